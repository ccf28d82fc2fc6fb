#!/usr/bin/env python3
"""Random convolutional architectures drawn from the image vocabulary, for the CNN differential tests in Runtime.Tests.

For each architecture this writes (1) its StaticGrad declaration, into
Runtime.Tests/Models/Differential/CnnDifferentialModels.cs, and (2) into Runtime.Tests/Golden/differential_cnn.json:
the float32 weights and buffers (state_dict names), a batch of float32 inputs and the targets, and PyTorch 1.13's
results in float64 from exactly those values: the eval-mode outputs, the training-mode loss and every parameter's
gradient of one forward and backward pass, every buffer after that pass, and every parameter after one Adam step
(lr 1e-3, PyTorch's defaults otherwise). CnnDifferentialTests loads the state into the generated model and compares
StaticGrad's float32 results with them.

Why float64: it is the exact answer to well below float32 rounding, so a comparison measures StaticGrad's rounding
alone, not PyTorch's float32 rounding as well. Some draws are ill-conditioned for float32 (batch norm over a few
values per channel whose spread is small against their size amplifies any rounding before it; PyTorch's own float32
run then misses the tolerance too). The script runs PyTorch in float32 as well and keeps an architecture only when that
run is within half the tests' tolerance of float64; others are replaced by the next draw (the count is in the JSON).
Batch norm always sees four values per channel or more: over two it outputs +-1 whatever its input, and its input
gradient is all cancellation. A gradient element that is zero in exact arithmetic (a bias right before batch norm,
which subtracts the batch mean) is rounding noise in any float32 implementation: the tests only bound its size.

The draw: 1-3 input channels, heights and widths from 5 to 20 drawn separately; a quarter of the models start with a
parameter-free op (dropout, a pool, an activation, a skip of the input) or batch norm; convolutions with kernels 1-5,
stride 1-3, padding 0-2 (or padding='same', whose odd row or column of an odd total goes at the end), dilation 1-2, about a third of
them with each option drawn per axis (PyTorch's tuples, kernel_size=(kh, kw) and the like), half of them grouped when the input has several channels (depthwise among
them), with and without bias, with a fused (ReLU, Sigmoid, Tanh) or any other activation on the member; standalone
activations; MaxPool2d (kernel, stride, padding up to half the kernel, dilation, ceil mode) and AvgPool2d (kernel,
stride, padding, ceil mode, count_include_pad), a third of them per axis too; BatchNorm2d with random eps, momentum (0.1, 0.3 or None), affine and
track_running_stats, its running statistics moved off their defaults, half the time followed by a ReLU/Sigmoid/Tanh member (which the compiler fuses);
ConvTranspose2d (kernel 1-4, stride 1-2, padding, output padding, dilation, groups, bias, per axis a third of the time);
ZeroPad2d, ReflectionPad2d and ReplicationPad2d (up to two a side, or a crop of one); a quarter of the padded
convolutions with padding_mode reflect, replicate or circular; Upsample by 1-2 per axis, nearest or bilinear (with and
without align_corners); GroupNorm and InstanceNorm2d (groups of four values or more, eps,
affine, half the time followed by a fusable activation member); Dropout2d and Dropout with p = 0; residual Add of two images of the same shape (or of the input); channel Concat of
two images of the same size; AdaptiveAvgPool2d (1, or 2 or 3 when it divides both sides); Flatten; then Linear,
LayerNorm, BatchNorm1d, activations, Dropout and flat Add/Concat; a Linear head and a loss: cross-entropy on class
indices mostly, sometimes MSE, L1, SmoothL1, Huber or BCE with logits, each with mean or sum reduction. The committed
seed is one whose 40 architectures show every item of COVERAGE (the script refuses a seed that misses one).

Left out because PyTorch refuses them (and StaticGrad reports SG0027/SG0033): pool padding
above half the kernel, windows larger than the padded input, and batch norm in training mode with one value per
channel. Left out because PyTorch 1.13 gets it wrong: a max pool window entirely in the padding (kernel 2, dilation 2
and padding 1 over a side of one pixel): its forward pass gives -inf with indices outside the input plane (5 and 6 in
a 1 x 4 plane), and its backward pass adds the gradient there (heap corruption, "double free or corruption").
Dropout has p = 0 because its masks come from StaticGrad's own generator.

Run from the repository root:  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_differential_cnn.py
(--seed S --count N draw another set, to hunt for bugs beyond the committed one; the C# tests then compile and check
whatever the files hold.)
"""
import argparse
import copy
import json
import math
import random
import re

import torch
import torch.nn as nn

from golden_differential import ACTIVATIONS, Net, initialize, loss_member, snake

SEED = 20261262
COUNT = 40
LEARNING_RATE = 1e-3
# A gradient element at most this fraction of the model's largest gradient in float64 is zero in exact arithmetic; in
# float32 it is rounding noise, which the tests bound by NOISE_BOUND times the model's largest gradient (at least 1).
ZERO_GRADIENT = 1e-9
NOISE_BOUND = 1e-3
# An architecture is kept when PyTorch's own float32 run is within this fraction of the tests' tolerance of the float64
# reference: another float32 implementation (StaticGrad) rounds differently, by about as much.
MARGIN = 0.5
FUSABLE = ACTIVATIONS[:3]
MAX_CHANNELS = 12
# The share of convolutions and pools whose window options are drawn per axis (PyTorch's tuples).
RECTANGULAR = 0.35


def window_output(size, kernel, stride, padding, dilation, ceil=False):
    """PyTorch's output size (floor mode, or ceil mode without a last window starting past the input and its leading
    padding), or 0 when the dilated kernel does not fit the padded input."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    out = (span + (stride - 1 if ceil else 0)) // stride + 1
    return out - 1 if ceil and (out - 1) * stride >= size + padding else out


def windows_touch_input(size, kernel, stride, padding, dilation, ceil=False):
    """Whether every window has a tap inside the input (with dilation a window can fall entirely in the padding)."""
    return all(any(0 <= o * stride - padding + j * dilation < size for j in range(kernel))
               for o in range(window_output(size, kernel, stride, padding, dilation, ceil)))


def pair(rng, draw, rectangular):
    """An option along (height, width): one draw for both axes, or (rectangular) one per axis."""
    first = draw()
    return (first, draw() if rectangular else first)


def axes(kernel, stride, padding, dilation):
    """The (kernel, stride, padding, dilation) of the height, then of the width."""
    return list(zip(kernel, stride, padding, dilation))


def kernel_arguments(kernel):
    """The attribute's kernel: one number when square, else height and width."""
    return str(kernel[0]) if kernel[0] == kernel[1] else f"{kernel[0]}, {kernel[1]}"


def axis_options(name, value, default):
    """The named arguments of an option: one number for both axes when they agree, else its Height and Width."""
    height, width = value
    return [(name, height, default)] if height == width else [(name + "Height", height, default), (name + "Width", width, default)]


def options(pairs):
    """Named attribute arguments, leaving out those at their default."""
    return "".join(f", {name} = {value}" for name, value, default in pairs if value != default)


class Draw:
    """One architecture: the member list PyTorch runs, the C# declaration lines, and the shape of each output."""

    def __init__(self, rng, channels, height, width):
        self.rng = rng
        self.members = []
        self.decl = []
        self.shape = ("image", channels, height, width)
        self.shapes = {"<input>": self.shape}

    def add(self, kind, name, attrs, member_type, module=None, act=None, source=None):
        self.members.append({"kind": kind, "name": name, "param": snake(name), "module": module, "act": act, "source": source})
        attrs = attrs + ("" if act is None else ", " + act[0])
        self.decl.append(f"    [{attrs}] public partial {member_type} {name} {{ get; }}")

    def finish(self, name, shape):
        self.shape = shape
        self.shapes[name] = shape

    def maybe_activation_member(self, name):
        """Half the time a norm is followed by a ReLU, Sigmoid or Tanh member: the compiler fuses it into the norm."""
        if self.rng.random() < 0.5:
            act = self.rng.choice(FUSABLE)
            self.add("act", name + "Act", act[0], "ActivationLayer", act[2]())
            self.finish(name + "Act", self.shape)

    def batchnorm_options(self):
        rng = self.rng
        eps = rng.choice([1e-5, 1e-5, 1e-3])
        momentum = rng.choice([0.1, 0.3, None])
        affine = rng.random() < 0.7
        track = rng.random() < 0.8
        attrs = []
        if eps != 1e-5:
            attrs.append("Eps = 1e-3f")
        if momentum is None:
            attrs.append("CumulativeAverage = true")
        elif momentum != 0.1:
            attrs.append(f"Momentum = {momentum}f")
        if not affine:
            attrs.append("Affine = false")
        if not track:
            attrs.append("TrackRunningStats = false")
        return dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track), (f"({', '.join(attrs)})" if attrs else "")

    def source_reference(self, source):
        return "ModelAttribute.Input" if source == "<input>" else f"nameof({source})"

    # ---- image members ----

    def conv(self, name):
        rng = self.rng
        _, c, h, w = self.shape
        # Grouped half the time the input has several channels (depthwise among them): the output channels are then a
        # multiple of the groups.
        divisors = [g for g in range(2, min(c, 8) + 1) if c % g == 0]
        groups = rng.choice(divisors) if divisors and rng.random() < 0.5 else 1
        for _ in range(100):
            out = groups * rng.randint(1, 8 // groups)
            rectangular = rng.random() < RECTANGULAR
            kernel = pair(rng, lambda: rng.randint(1, 5), rectangular)
            stride = pair(rng, lambda: rng.choice([1, 1, 2, 3]), rectangular)
            padding = pair(rng, lambda: rng.randint(0, 2), rectangular)
            dilation = pair(rng, lambda: rng.choice([1, 1, 2]), rectangular)
            spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
            # padding='same' (stride 1): half of dilation * (kernel - 1) on each side, the odd one of an odd total at the end.
            same = stride == (1, 1) and rng.random() < 0.3
            if same:
                padding = tuple(span // 2 for span in spans)
            oh, ow = (window_output(size + (span % 2 if same else 0), *axis)
                      for size, span, axis in zip((h, w), spans, axes(kernel, stride, padding, dilation)))
            if oh >= 1 and ow >= 1 and (oh * ow >= 4 or rng.random() < 0.2):
                break
        else:
            raise RuntimeError("no convolution fits")
        bias = rng.random() < 0.7
        roll = rng.random()
        act = rng.choice(FUSABLE) if roll < 0.5 else (rng.choice(ACTIVATIONS[3:]) if roll < 0.65 else None)
        # padding_mode a quarter of the time there is padding: PyTorch pads that way (with padding='same''s odd row and
        # column at the end), reflection below the input's size along each axis, circular at most the size.
        ends = [(p, p + (span % 2 if same else 0)) for p, span in zip(padding, spans)]
        mode = "zeros"
        if any(p > 0 for p in padding) and rng.random() < 0.25:
            fits = {"replicate": True, "reflect": all(e < size for (_, e), size in zip(ends, (h, w))),
                    "circular": all(e <= size for (_, e), size in zip(ends, (h, w)))}
            mode = rng.choice([m for m, ok in fits.items() if ok])
        module = nn.Conv2d(c, out, kernel, stride=stride, padding="same" if same else padding, dilation=dilation, groups=groups, bias=bias,
                           padding_mode=mode)
        attrs = f"Conv2d({out}, {kernel_arguments(kernel)}" + options(
            axis_options("Stride", stride, 1) + ([("SamePadding", "true", "false")] if same else axis_options("Padding", padding, 0))
            + axis_options("Dilation", dilation, 1) + [("Groups", groups, 1), ("Bias", "false" if not bias else "true", "true"),
                                                       ("PaddingMode", "PaddingMode." + {"zeros": "Zeros", "reflect": "Reflect", "replicate": "Replicate", "circular": "Circular"}[mode], "PaddingMode.Zeros")]) + ")"
        self.add("conv", name, attrs, "Conv2d", module, act)
        self.finish(name, ("image", out, oh, ow))

    def convtranspose(self, name):
        """nn.ConvTranspose2d: kernel 1-4, stride 1-2, padding 0-1, output padding below the stride, dilation 1-2, per axis a
        third of the time, grouped half the time the channels allow it; sizes kept to 24 a side."""
        rng = self.rng
        _, c, h, w = self.shape
        divisors = [g for g in range(2, min(c, 8) + 1) if c % g == 0]
        groups = rng.choice(divisors) if divisors and rng.random() < 0.5 else 1
        for _ in range(100):
            out = groups * rng.randint(1, 8 // groups)
            rectangular = rng.random() < RECTANGULAR
            kernel = pair(rng, lambda: rng.randint(1, 4), rectangular)
            stride = pair(rng, lambda: rng.choice([1, 2]), rectangular)
            padding = pair(rng, lambda: rng.randint(0, 1), rectangular)
            dilation = pair(rng, lambda: rng.choice([1, 1, 2]), rectangular)
            output_padding = tuple(rng.randint(0, s - 1) for s in stride)
            oh, ow = ((size - 1) * s - 2 * p + d * (k - 1) + op + 1
                      for size, k, s, p, d, op in zip((h, w), kernel, stride, padding, dilation, output_padding))
            if 1 <= oh <= 24 and 1 <= ow <= 24:
                break
        else:
            return False
        bias = rng.random() < 0.7
        act = rng.choice(FUSABLE) if rng.random() < 0.5 else None
        module = nn.ConvTranspose2d(c, out, kernel, stride=stride, padding=padding, output_padding=output_padding, groups=groups, bias=bias, dilation=dilation)
        attrs = f"ConvTranspose2d({out}, {kernel_arguments(kernel)}" + options(
            axis_options("Stride", stride, 1) + axis_options("Padding", padding, 0) + axis_options("OutputPadding", output_padding, 0)
            + axis_options("Dilation", dilation, 1) + [("Groups", groups, 1), ("Bias", "false" if not bias else "true", "true")]) + ")"
        self.add("conv", name, attrs, "ConvTranspose2d", module, act)
        self.finish(name, ("image", out, oh, ow))
        return True

    def maxpool(self, name):
        rng = self.rng
        _, c, h, w = self.shape
        for _ in range(100):
            rectangular = rng.random() < RECTANGULAR
            kernel = pair(rng, lambda: rng.randint(1, 4), rectangular)
            stride = pair(rng, lambda: rng.choice([0, 1, 2, 3]), rectangular)
            padding = (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2)) if rectangular else (rng.randint(0, min(kernel) // 2),) * 2
            dilation = pair(rng, lambda: rng.choice([1, 1, 2]), rectangular)
            ceil = rng.random() < 0.3
            effective = tuple(s or k for s, k in zip(stride, kernel))
            per_axis = list(zip((h, w), axes(kernel, effective, padding, dilation)))
            oh, ow = (window_output(size, *axis, ceil) for size, axis in per_axis)
            if oh >= 1 and ow >= 1 and all(windows_touch_input(size, *axis, ceil) for size, axis in per_axis):
                break
        else:
            return False
        module = nn.MaxPool2d(kernel, stride=effective, padding=padding, dilation=dilation, ceil_mode=ceil)
        attrs = f"MaxPool2d({kernel_arguments(kernel)}" + options(
            axis_options("Stride", stride, 0) + axis_options("Padding", padding, 0) + axis_options("Dilation", dilation, 1)
            + [("CeilMode", "true" if ceil else "false", "false")]) + ")"
        self.add("module", name, attrs, "MaxPool2d", module)
        self.finish(name, ("image", c, oh, ow))
        return True

    def avgpool(self, name):
        rng = self.rng
        _, c, h, w = self.shape
        for _ in range(100):
            rectangular = rng.random() < RECTANGULAR
            kernel = pair(rng, lambda: rng.randint(1, 4), rectangular)
            stride = pair(rng, lambda: rng.choice([0, 1, 2, 3]), rectangular)
            padding = (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2)) if rectangular else (rng.randint(0, min(kernel) // 2),) * 2
            ceil = rng.random() < 0.3
            effective = tuple(s or k for s, k in zip(stride, kernel))
            oh, ow = (window_output(size, *axis, ceil) for size, axis in zip((h, w), axes(kernel, effective, padding, (1, 1))))
            if oh >= 1 and ow >= 1:
                break
        else:
            return False
        include = rng.random() < 0.7
        module = nn.AvgPool2d(kernel, stride=effective, padding=padding, ceil_mode=ceil, count_include_pad=include)
        attrs = f"AvgPool2d({kernel_arguments(kernel)}" + options(
            axis_options("Stride", stride, 0) + axis_options("Padding", padding, 0)
            + [("CountIncludePad", "true" if include else "false", "true"), ("CeilMode", "true" if ceil else "false", "false")]) + ")"
        self.add("module", name, attrs, "AvgPool2d", module)
        self.finish(name, ("image", c, oh, ow))
        return True

    def adaptive(self, name, size):
        _, c, _, _ = self.shape
        self.add("module", name, f"AdaptiveAvgPool2d({size})", "AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d(size))
        self.finish(name, ("image", c, size, size))

    def batchnorm2d(self, name):
        kwargs, attrs = self.batchnorm_options()
        self.add("module", name, "BatchNorm2d" + attrs, "BatchNorm2d", nn.BatchNorm2d(self.shape[1], **kwargs))
        self.finish(name, self.shape)
        self.maybe_activation_member(name)

    def groupnorm(self, name):
        """nn.GroupNorm over groups of four values or more (nn.InstanceNorm2d now and then), a fusable activation half the time."""
        rng = self.rng
        _, c, h, w = self.shape
        groups = [g for g in range(1, c + 1) if c % g == 0 and c // g * h * w >= 4]
        if not groups:
            return False
        affine = rng.random() < 0.7
        eps = rng.choice([1e-5, 1e-5, 1e-3])
        if h * w >= 4 and rng.random() < 0.3:
            # nn.InstanceNorm2d: a group per channel, no affine parameters by default, no running statistics.
            attrs = [("Affine", "true" if affine else "false", "false"), ("Eps", "1e-3f" if eps != 1e-5 else "1e-5f", "1e-5f")]
            named = [f"{key} = {value}" for key, value, default in attrs if value != default]
            decl = "InstanceNorm2d" + (f"({', '.join(named)})" if named else "")
            self.add("module", name, decl, "InstanceNorm2d", nn.InstanceNorm2d(c, eps=eps, affine=affine))
            self.finish(name, self.shape)
            self.maybe_activation_member(name)
            return True
        count = rng.choice(groups)
        attrs = [("Affine", "false" if not affine else "true", "true"), ("Eps", "1e-3f" if eps != 1e-5 else "1e-5f", "1e-5f")]
        self.add("module", name, f"GroupNorm({count}" + options(attrs) + ")", "GroupNorm", nn.GroupNorm(count, c, eps=eps, affine=affine))
        self.finish(name, self.shape)
        self.maybe_activation_member(name)
        return True

    def activation(self, name):
        act = self.rng.choice(ACTIVATIONS)
        self.add("act", name, act[0], "ActivationLayer", act[2]())
        self.finish(name, self.shape)

    def zeropad(self, name):
        """nn.ZeroPad2d, nn.ReflectionPad2d or nn.ReplicationPad2d((left, right, top, bottom)): up to 2 a side, or a crop of one
        where the image keeps a pixel; a reflection only of amounts below the image's size along their axis."""
        _, c, h, w = self.shape
        left, right = (self.rng.randint(-1 if w > 2 else 0, 2) for _ in range(2))
        top, bottom = (self.rng.randint(-1 if h > 2 else 0, 2) for _ in range(2))
        kinds = [("ZeroPad2d", nn.ZeroPad2d), ("ReplicationPad2d", nn.ReplicationPad2d)]
        if max(left, right) < w and max(top, bottom) < h:
            kinds.append(("ReflectionPad2d", nn.ReflectionPad2d))
        kind, module = self.rng.choice(kinds)
        self.add("module", name, f"{kind}({left}, {right}, {top}, {bottom})", kind, module((left, right, top, bottom)))
        self.finish(name, ("image", c, top + h + bottom, left + w + right))

    def upsample(self, name):
        """nn.Upsample by whole factors (1-2 per axis, sizes kept to 24 a side): nearest, or bilinear with or without align_corners."""
        rng = self.rng
        _, c, h, w = self.shape
        sh, sw = (rng.choice([1, 2]) if size <= 12 else 1 for size in (h, w))
        if sh == sw == 1:
            return False
        mode = rng.choice(["nearest", "bilinear"])
        align = mode == "bilinear" and rng.random() < 0.4
        factors = f"ScaleFactor = {sh}" if sh == sw else f"ScaleFactorHeight = {sh}, ScaleFactorWidth = {sw}"
        extra = ("" if mode == "nearest" else ", Mode = UpsampleMode.Bilinear") + (", AlignCorners = true" if align else "")
        module = nn.Upsample(scale_factor=(sh, sw), mode=mode, align_corners=align if mode == "bilinear" else None)
        self.add("module", name, f"Upsample({factors}{extra})", "Upsample", module)
        self.finish(name, ("image", c, h * sh, w * sw))
        return True

    def dropout2d(self, name):
        self.add("module", name, "Dropout2d(0f)", "Dropout2d", nn.Dropout2d(0.0))
        self.finish(name, self.shape)

    def dropout(self, name):
        self.add("module", name, "Dropout(0f)", "Dropout", nn.Dropout(0.0))
        self.finish(name, self.shape)

    def skip(self, name):
        """An Add of an earlier output of the same shape, else a Concat of one that joins (same kind, same image size)."""
        same = [n for n, s in self.shapes.items() if s == self.shape]
        if same and self.rng.random() < 0.6:
            source = self.rng.choice(same)
            self.add("add", name, f"Add({self.source_reference(source)})", "Residual", source=source)
            self.finish(name, self.shape)
            return True
        joinable = [n for n, s in self.shapes.items() if s[0] == self.shape[0] and s[2:] == self.shape[2:]
                    and (s[0] == "flat" or s[1] + self.shape[1] <= MAX_CHANNELS)]
        if not joinable:
            return False
        source = self.rng.choice(joinable)
        self.add("concat", name, f"Concat({self.source_reference(source)})", "Residual", source=source)
        other = self.shapes[source]
        self.finish(name, (self.shape[0], self.shape[1] + other[1]) + self.shape[2:])
        return True

    def flatten(self, name):
        _, c, h, w = self.shape
        self.add("flatten", name, "Flatten", "Flatten")
        self.finish(name, ("flat", c * h * w, 1, 1))

    # ---- flat members ----

    def linear(self, name, out=None, act=None):
        rng = self.rng
        width = self.shape[1]
        out = out if out is not None else rng.choice([1, 3, 8, 17])
        bias = rng.random() < 0.8
        self.add("linear", name, f"Linear({out}{'' if bias else ', Bias = false'})", "Linear", nn.Linear(width, out, bias=bias), act)
        self.finish(name, ("flat", out, 1, 1))

    def layernorm(self, name):
        affine = self.rng.random() < 0.7
        self.add("module", name, "LayerNorm" + ("" if affine else "(ElementwiseAffine = false)"), "LayerNorm",
                 nn.LayerNorm(self.shape[1], elementwise_affine=affine))
        self.finish(name, self.shape)
        self.maybe_activation_member(name)

    def batchnorm1d(self, name):
        kwargs, attrs = self.batchnorm_options()
        self.add("module", name, "BatchNorm1d" + attrs, "BatchNorm1d", nn.BatchNorm1d(self.shape[1], **kwargs))
        self.finish(name, self.shape)
        self.maybe_activation_member(name)


def draw(rng):
    channels = rng.randint(1, 3)
    height, width = rng.randint(5, 20), rng.randint(5, 20)
    d = Draw(rng, channels, height, width)
    index = 0

    def next_name():
        nonlocal index
        index += 1
        return f"M{index - 1}"

    # A quarter of the models start with an op that has no parameters (or batch norm) on the input itself: nothing
    # before it has a gradient, and in eval mode dropout hands the caller's inputs on.
    if rng.random() < 0.25:
        start = rng.choice(["dropout2d", "dropout", "maxpool", "avgpool", "batchnorm", "activation", "skip"])
        name = next_name()
        if start == "dropout2d":
            d.dropout2d(name)
        elif start == "dropout":
            d.dropout(name)
        elif start == "maxpool":
            d.maxpool(name) or d.activation(name)
        elif start == "avgpool":
            d.avgpool(name) or d.activation(name)
        elif start == "batchnorm":
            d.batchnorm2d(name)
        elif start == "activation":
            d.activation(name)
        else:
            d.skip(name)
    d.conv(next_name())
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        name = next_name()
        if roll < 0.24 and d.shape[1] <= MAX_CHANNELS:
            d.conv(name)
        elif roll < 0.29 and d.shape[1] <= MAX_CHANNELS:
            d.convtranspose(name) or d.activation(name)
        elif roll < 0.4:
            d.maxpool(name) or d.activation(name)
        elif roll < 0.5:
            d.avgpool(name) or d.activation(name)
        elif roll < 0.56:
            d.batchnorm2d(name)
        elif roll < 0.62:
            d.groupnorm(name) or d.activation(name)
        elif roll < 0.66:
            d.zeropad(name)
        elif roll < 0.69:
            d.upsample(name) or d.activation(name)
        elif roll < 0.71:
            d.activation(name)
        elif roll < 0.75:
            d.dropout2d(name)
        elif roll < 0.78:
            d.dropout(name)
        else:
            d.skip(name) or d.activation(name)
    # From images to features: an adaptive average pool a third of the time (a global one mostly), then Flatten.
    _, c, h, w = d.shape
    sizes = [s for s in (2, 3) if h % s == 0 and w % s == 0]
    if rng.random() < 0.35:
        d.adaptive(next_name(), rng.choice(sizes) if sizes and rng.random() < 0.4 else 1)
    elif c * h * w > 800:
        d.adaptive(next_name(), rng.choice(sizes) if sizes and c * 9 <= 800 else 1)
    d.flatten("Flat")
    for _ in range(rng.randint(0, 3)):
        roll = rng.random()
        name = next_name()
        if roll < 0.35:
            act = rng.choice([None] + ACTIVATIONS) if rng.random() < 0.7 else None
            d.linear(name, act=act)
        elif roll < 0.45 and d.shape[1] > 1:
            d.layernorm(name)
        elif roll < 0.6:
            d.batchnorm1d(name)
        elif roll < 0.75:
            d.activation(name)
        elif roll < 0.8:
            d.dropout(name)
        else:
            d.skip(name) or d.activation(name)
    loss = rng.choice(["ce"] * 6 + ["mse", "l1", "smoothl1", "huber", "bce"])
    out = rng.randint(2, 6) if loss == "ce" else rng.randint(1, 4)
    head_act = rng.choice([None, None] + ACTIVATIONS) if loss not in ("ce", "bce") else None
    d.linear("Head", out=out, act=head_act)
    line, fn = loss_member(loss, rng.choice(["mean", "sum"]))
    d.decl.append(line)
    return (channels, height, width), out, d, loss, fn


def values(tensor):
    return tensor.flatten().tolist() if tensor.dtype != torch.long else [int(tensor.item())]


def fewest_values_per_channel(members, d, batch):
    """The fewest values a batch norm normalizes per channel (batch x pixels), or None without batch norm."""
    counts = [batch * d.shapes[m["name"]][2] * d.shapes[m["name"]][3] for m in members
              if isinstance(m["module"], (nn.BatchNorm1d, nn.BatchNorm2d))]
    return min(counts) if counts else None


# What the committed draw must show at least once (regular expressions over the C# declarations); the script refuses
# a seed whose architectures miss one.
COVERAGE = [
    r"\[Conv2d\([^]]*Groups = [2-8]", r"\[Conv2d\([^]]*Dilation = 2", r"\[Conv2d\([^]]*Stride = [23]", r"\[Conv2d\([^]]*Padding = [12]",
    r"\[Conv2d\([^]]*Bias = false", r"\[Conv2d\([0-9]+, [0-9]+, [0-9]+", r"\[Conv2d\([^]]*SamePadding = true", r"\[ZeroPad2d\(",
    r"\[ReflectionPad2d\(", r"\[ReplicationPad2d\(", r"PaddingMode = PaddingMode.Reflect", r"PaddingMode = PaddingMode.Replicate",
    r"PaddingMode = PaddingMode.Circular", r"\[Upsample\(ScaleFactor[^]]*\)\]", r"\[Upsample\([^]]*Mode = UpsampleMode.Bilinear", r"\[Upsample\([^]]*AlignCorners = true", r"\[ConvTranspose2d\([^]]*Stride = 2", r"\[ConvTranspose2d\([^]]*OutputPadding", r"\[GroupNorm\([0-9]+\)", r"\[InstanceNorm2d\]", r"\[InstanceNorm2d\(Affine = true", r"\[GroupNorm\([^]]*Affine = false", r"GroupNorm M[0-9]+ \{ get; \}\n *\[(ReLU|Sigmoid|Tanh)\]", r"\[Conv2d\([^]]*(Stride|Padding|Dilation)(Height|Width)",
    r"\[MaxPool2d\([0-9]+, [0-9]+", r"\[AvgPool2d\([0-9]+, [0-9]+", r"\[(Max|Avg)Pool2d\([^]]*(Stride|Padding)(Height|Width)", r"\[Conv2d\([0-9]+, [2-5][,)]", r"\[Conv2d\([^]]*\), (ReLU|Sigmoid|Tanh)\]",
    r"\[Conv2d\([^]]*\), (LeakyReLU|ELU|GELU|SiLU|Softplus|Hardswish)",
    r"\[MaxPool2d\([^]]*Padding", r"\[MaxPool2d\([^]]*Dilation", r"\[MaxPool2d\([^]]*Stride", r"\[AvgPool2d\([^]]*Padding",
    r"\[AvgPool2d\([^]]*Stride", r"\[MaxPool2d\([^]]*CeilMode = true", r"\[AvgPool2d\([^]]*CeilMode = true",
    r"\[AvgPool2d\([^]]*CountIncludePad = false", r"\[AdaptiveAvgPool2d\(1\)", r"\[AdaptiveAvgPool2d\([23]\)",
    r"\[BatchNorm2d\]", r"\[BatchNorm2d\([^]]*Momentum", r"\[BatchNorm2d\([^]]*CumulativeAverage", r"\[BatchNorm2d\([^]]*Affine = false",
    r"\[BatchNorm2d\([^]]*TrackRunningStats = false", r"\[BatchNorm2d\([^]]*Eps", r"BatchNorm2d M[0-9]+ \{ get; \}\n *\[(ReLU|Sigmoid|Tanh)\]",
    r"\[Dropout2d\(0f\)\]", r"\[Dropout\(0f\)\]", r"\[Add\(nameof", r"\[Add\(ModelAttribute.Input\)", r"\[Concat\(nameof\(M",
    r"\[Concat\(nameof\(Flat\)", r"\{\n *\[(Dropout2d|Dropout|MaxPool2d|AvgPool2d|BatchNorm2d|Add|Concat|ReLU|Sigmoid|Tanh|LeakyReLU|ELU|GELU|SiLU|Softplus|Hardswish)",
    r"\[Linear\([0-9]+, Bias = false", r"\[LayerNorm", r"\[BatchNorm1d", r"public partial ActivationLayer",
    r"SoftmaxCrossEntropy\(Reduction = Reduction.Mean", r"SoftmaxCrossEntropy\(Reduction = Reduction.Sum", r"\[MseLoss", r"\[L1Loss",
    r"\[SmoothL1Loss", r"\[HuberLoss", r"\[BinaryCrossEntropyWithLogits",
]


def run(net, x, t, fn, dtype):
    """Eval-mode outputs, then one training step and one Adam step, on a copy of the network in dtype."""
    net = copy.deepcopy(net).to(dtype)
    x = x.to(dtype)
    t = t if t.dtype == torch.long else t.to(dtype)
    net.eval()
    with torch.no_grad():
        outputs = net(x).flatten().tolist()
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    optimizer.zero_grad()
    value = fn(net(x), t)
    value.backward()
    result = {
        "loss": value.item(),
        "outputs": outputs,
        "gradients": {k: p.grad.flatten().tolist() for k, p in net.named_parameters()},
        "buffers_after": {k: values(b) for k, b in net.named_buffers()},
    }
    optimizer.step()
    result["parameters_after"] = {k: p.detach().flatten().tolist() for k, p in net.named_parameters()}
    return result


def close(expected, actual, absolute=1e-5):
    """Every element within MARGIN of CnnDifferentialTests' tolerance: absolute + 1e-4 of the tensor's largest magnitude."""
    allowed = MARGIN * (absolute + 1e-4 * max((abs(v) for v in expected), default=0.0))
    return all(abs(e - a) <= allowed for e, a in zip(expected, actual))


def float32_meets_tolerance(exact, single):
    """Whether PyTorch's own float32 run passes the comparison the C# test makes against the float64 reference, with MARGIN."""
    scale = max((abs(v) for g in exact["gradients"].values() for v in g), default=0.0)
    gradient_absolute = 1e-5 * max(1.0, scale)
    if abs(exact["loss"] - single["loss"]) > MARGIN * (1e-5 + 1e-4 * abs(exact["loss"])) or not close(exact["outputs"], single["outputs"]):
        return False
    for k, g in exact["gradients"].items():
        # Zero in exact arithmetic (a bias right before batch norm): rounding noise, compared with a bound only.
        noise = [i for i, v in enumerate(g) if abs(v) <= ZERO_GRADIENT * scale]
        if any(abs(single["gradients"][k][i]) > MARGIN * NOISE_BOUND * max(1.0, scale) for i in noise):
            return False
        kept = [i for i in range(len(g)) if i not in noise]
        if not close([g[i] for i in kept], [single["gradients"][k][i] for i in kept], gradient_absolute):
            return False
    return all(close(b, single["buffers_after"][k]) for k, b in exact["buffers_after"].items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    cases = []
    classes = []
    ill_conditioned = []
    while len(cases) < args.count:
        (channels, height, width), out, d, loss, fn = draw(rng)
        net = Net(d.members)
        initialize(net)
        # Batch norm over few values per channel is ill-conditioned: over two it outputs +-1 whatever its input, and its
        # input gradient is all cancellation. Four values or more (PyTorch refuses one).
        batch = rng.choice([b for b in (1, 2, 3, 4, 5) if (fewest_values_per_channel(d.members, d, b) or 4) >= 4])
        x = torch.randn(batch, channels, height, width)
        if loss == "ce":
            t = torch.randint(0, out, (batch,))
        elif loss == "bce":
            t = torch.rand(batch, out)
        else:
            t = torch.randn(batch, out)
        # The reference is PyTorch in float64 from these float32 weights and inputs, the exact answer to well below
        # float32 rounding, so the comparison measures StaticGrad's rounding alone. An architecture on which PyTorch's
        # own float32 run misses the tolerance is ill-conditioned for float32 (float32 cannot be asked for more), and
        # is replaced by the next draw.
        exact = run(net, x, t, fn, torch.float64)
        assert math.isfinite(exact["loss"]), "\n".join(d.decl) + f" batch {batch} loss {exact['loss']}"
        if not float32_meets_tolerance(exact, run(net, x, t, fn, torch.float32)):
            ill_conditioned.append(d.decl)
            continue
        name = f"CnnDifferential{len(cases):02d}"
        classes.append(f"[Model(Channels = {channels}, Height = {height}, Width = {width})]\npublic partial class {name}\n{{\n"
                       + "\n".join(d.decl) + "\n}\n")
        cases.append({"name": name, "batch": batch, "inputs": x.flatten().tolist(), "targets": t.flatten().tolist(),
                      "parameters": {k: values(v) for k, v in net.state_dict().items()}, **exact})
    text = "\n".join(classes)
    missing = [pattern for pattern in COVERAGE if not re.search(pattern, text)]
    if missing and args.seed == SEED and args.count == COUNT:
        raise SystemExit(f"seed {args.seed} does not cover: {missing}")
    header = ("// <auto-generated/> by scripts/golden_differential_cnn.py: random convolutional architectures from the image vocabulary.\n"
              "// Regenerate with the script; the fixture Runtime.Tests/Golden/differential_cnn.json must match.\n"
              "#pragma warning disable CS1591\n\nusing StaticGrad;\n\nnamespace StaticGrad.Runtime.Tests.Models.Differential;\n\n")
    with open("Runtime.Tests/Models/Differential/CnnDifferentialModels.cs", "w", encoding="utf-8", newline="\n") as f:
        f.write(header + text)
    with open("Runtime.Tests/Golden/differential_cnn.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump({"torch": torch.__version__, "seed": args.seed, "learning_rate": LEARNING_RATE, "zero_gradient": ZERO_GRADIENT,
                   "noise_bound": NOISE_BOUND, "ill_conditioned_draws": len(ill_conditioned), "cases": cases}, f)
    print(f"{len(cases)} architectures ({len(ill_conditioned)} ill-conditioned draws replaced)")


if __name__ == "__main__":
    main()
