#!/usr/bin/python3
"""PyTorch 1.13 reference values for the convolution and pooling kernels (Runtime.Tests/Kernels/ConvGoldenTests.cs).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_conv.py     # --out DIR, default Runtime.Tests/Golden

Writes conv.json with a "cases" array. Every case has a "kind" and its shape arguments, the float32 inputs, the
forward result and the gradients autograd gives for a seeded upstream gradient "dy" (loss = sum(dy * y)):
  conv2d         nn.functional.conv2d (+ relu when "relu"): x, w, b (or null), y, dx, dw, db
  max_pool2d     nn.functional.max_pool2d(return_indices=True): x (with ties), y, indices, dx
  avg_pool2d     nn.functional.avg_pool2d (count_include_pad and ceil_mode as the case says, True and False by default): x, y, dx
  global_avg     nn.functional.adaptive_avg_pool2d(x, 1): x, y, dx
  adaptive_avg   nn.functional.adaptive_avg_pool2d(x, (oh, ow)) for sizes that do not divide (overlapping windows), that
                 divide, and larger than the input: x, y, dx
  batch_norm2d   nn.BatchNorm2d in training mode: x, weight, bias, running stats before and after, y, dx, dweight, dbias
Deterministic (seeded); float32 on the CPU.
"""

import argparse
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SEED = 20261204


def floats(t):
    return [float(v) for v in t.detach().flatten().tolist()]


def conv_cases():
    # name, batch, in, h, w, out, kh, kw, stride, padding, dilation, groups, bias, relu
    yield "conv_1x1", 2, 3, 5, 7, 4, 1, 1, (1, 1), (0, 0), (1, 1), 1, True, False
    yield "conv_3x3_s2_p1", 3, 3, 9, 7, 5, 3, 3, (2, 2), (1, 1), (1, 1), 1, True, False
    yield "conv_5x5_p2_relu", 2, 2, 8, 9, 3, 5, 5, (1, 1), (2, 2), (1, 1), 1, True, True
    yield "conv_3x3_d2", 2, 3, 9, 10, 4, 3, 3, (1, 1), (1, 1), (2, 2), 1, False, False
    yield "conv_groups2", 2, 4, 7, 6, 6, 3, 3, (1, 2), (1, 0), (1, 1), 2, True, False
    yield "conv_depthwise", 3, 5, 6, 7, 5, 3, 3, (1, 1), (1, 1), (1, 1), 5, True, False
    yield "conv_rect_s3x1_p2x0_d1x2", 2, 2, 11, 9, 3, 2, 3, (3, 1), (2, 0), (1, 2), 1, True, False
    yield "conv_lenet1", 2, 1, 28, 28, 6, 5, 5, (1, 1), (2, 2), (1, 1), 1, True, True


def conv_case(cases, gen, name, n, cin, h, w, cout, kh, kw, stride, padding, dilation, groups, has_bias, relu):
    x = torch.randn(n, cin, h, w, generator=gen).requires_grad_()
    weight = (0.3 * torch.randn(cout, cin // groups, kh, kw, generator=gen)).requires_grad_()
    bias = (0.2 * torch.randn(cout, generator=gen)).requires_grad_() if has_bias else None
    y = F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if relu:
        y = F.relu(y)
    dy = torch.randn(y.shape, generator=gen)
    (y * dy).sum().backward()
    cases.append({
        "name": name, "kind": "conv2d", "batch": n, "in_channels": cin, "height": h, "width": w, "out_channels": cout,
        "kernel": [kh, kw], "stride": list(stride), "padding": list(padding), "dilation": list(dilation), "groups": groups,
        "relu": relu, "out_shape": list(y.shape),
        "x": floats(x), "w": floats(weight), "b": floats(bias) if has_bias else None, "y": floats(y), "dy": floats(dy),
        "dx": floats(x.grad), "dw": floats(weight.grad), "db": floats(bias.grad) if has_bias else None,
    })


def pool_input(gen, n, c, h, w):
    # Values from a small set so windows hold ties: the first maximum in scan order must win.
    return torch.randint(-3, 4, (n, c, h, w), generator=gen).to(torch.float32) * 0.5


def ceil_max_pool_case(cases, gen, name, x, kernel, stride, padding, dilation):
    """Appends F.max_pool2d(ceil_mode=True) of x with a random output gradient: y, indices, dx. Returns y."""
    y, indices = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=True, return_indices=True)
    dy = torch.randn(y.shape, generator=gen)
    (y * dy).sum().backward()
    n, c, h, w = x.shape
    cases.append({
        "name": name, "kind": "max_pool2d", "batch": n, "channels": c, "height": h, "width": w, "kernel": list(kernel),
        "stride": list(stride), "padding": list(padding), "dilation": list(dilation), "ceil_mode": True, "out_shape": list(y.shape),
        "x": floats(x), "y": floats(y), "indices": [int(v) for v in indices.flatten().tolist()], "dy": floats(dy), "dx": floats(x.grad),
    })
    return y


def ceil_avg_pool_case(cases, gen, name, x, kernel, stride, padding, include):
    """Appends F.avg_pool2d(ceil_mode=True, count_include_pad=include) of x with a random output gradient. Returns y."""
    y = F.avg_pool2d(x, kernel, stride, padding, ceil_mode=True, count_include_pad=include)
    dy = torch.randn(y.shape, generator=gen)
    (y * dy).sum().backward()
    n, c, h, w = x.shape
    cases.append({
        "name": name, "kind": "avg_pool2d", "batch": n, "channels": c, "height": h, "width": w, "kernel": list(kernel),
        "stride": list(stride), "padding": list(padding), "count_include_pad": include, "ceil_mode": True, "out_shape": list(y.shape),
        "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
    })
    return y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Runtime.Tests", "Golden"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    cases = []

    for case in conv_cases():
        conv_case(cases, gen, *case)

    # name, batch, channels, h, w, kernel, stride, padding, dilation
    for name, n, c, h, w, kernel, stride, padding, dilation in [
        ("maxpool_2", 2, 3, 8, 6, (2, 2), (2, 2), (0, 0), (1, 1)),
        ("maxpool_3_s2_p1", 2, 2, 9, 7, (3, 3), (2, 2), (1, 1), (1, 1)),
        ("maxpool_3_s1_overlap", 1, 2, 6, 5, (3, 3), (1, 1), (0, 0), (1, 1)),
        ("maxpool_rect_d2", 2, 2, 9, 10, (3, 2), (2, 1), (1, 1), (2, 3)),
        ("maxpool_lenet", 2, 6, 28, 28, (2, 2), (2, 2), (0, 0), (1, 1)),
    ]:
        x = pool_input(gen, n, c, h, w).requires_grad_()
        y, indices = F.max_pool2d(x, kernel, stride, padding, dilation, return_indices=True)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "max_pool2d", "batch": n, "channels": c, "height": h, "width": w, "kernel": list(kernel),
            "stride": list(stride), "padding": list(padding), "dilation": list(dilation), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "indices": [int(v) for v in indices.flatten().tolist()], "dy": floats(dy), "dx": floats(x.grad),
        })

    for name, n, c, h, w, kernel, stride, padding in [
        ("avgpool_2", 2, 3, 8, 6, (2, 2), (2, 2), (0, 0)),
        ("avgpool_3_s2_p1", 2, 2, 9, 7, (3, 3), (2, 2), (1, 1)),
        ("avgpool_rect_s1_p1x0", 1, 2, 7, 6, (3, 2), (1, 1), (1, 0)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.avg_pool2d(x, kernel, stride, padding)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "avg_pool2d", "batch": n, "channels": c, "height": h, "width": w, "kernel": list(kernel),
            "stride": list(stride), "padding": list(padding), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    for name, n, c, h, w in [("global_avg_7x5", 3, 4, 7, 5), ("global_avg_1x1", 2, 3, 1, 1)]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.adaptive_avg_pool2d(x, 1)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "global_avg", "batch": n, "channels": c, "height": h, "width": w,
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    for name, n, c, h, w, momentum, affine in [("batchnorm2d", 4, 3, 5, 6, 0.1, True), ("batchnorm2d_plain", 2, 5, 3, 3, 0.3, False)]:
        bn = torch.nn.BatchNorm2d(c, momentum=momentum, affine=affine)
        with torch.no_grad():
            if affine:
                bn.weight.copy_(1 + 0.3 * torch.randn(c, generator=gen))
                bn.bias.copy_(0.2 * torch.randn(c, generator=gen))
            bn.running_mean.copy_(0.3 * torch.randn(c, generator=gen))
            bn.running_var.copy_(0.5 + torch.rand(c, generator=gen))
        running_mean, running_var = floats(bn.running_mean), floats(bn.running_var)
        x = (1.5 * torch.randn(n, c, h, w, generator=gen) + 0.7).requires_grad_()
        bn.train()
        y = bn(x)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "batch_norm2d", "batch": n, "channels": c, "height": h, "width": w, "momentum": momentum, "eps": bn.eps,
            "x": floats(x), "weight": floats(bn.weight) if affine else None, "bias": floats(bn.bias) if affine else None,
            "running_mean": running_mean, "running_var": running_var,
            "running_mean_after": floats(bn.running_mean), "running_var_after": floats(bn.running_var),
            "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
            "dweight": floats(bn.weight.grad) if affine else None, "dbias": floats(bn.bias.grad) if affine else None,
        })

    # Last, so the cases above keep the values the generator gave them before these were added.
    for name, n, c, h, w, out in [
        ("adaptive_7x7_to_3x3", 2, 3, 7, 7, (3, 3)),
        ("adaptive_10x13_to_4x5", 2, 2, 10, 13, (4, 5)),
        ("adaptive_8x6_to_4x3", 1, 3, 8, 6, (4, 3)),
        ("adaptive_3x5_to_7x4", 2, 2, 3, 5, (7, 4)),
        ("adaptive_1x1_to_2x3", 1, 2, 1, 1, (2, 3)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.adaptive_avg_pool2d(x, out)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "adaptive_avg", "batch": n, "channels": c, "height": h, "width": w, "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    for name, n, c, h, w, kernel, stride, padding in [
        ("avgpool_3_s2_p1_exclude_pad", 2, 2, 9, 7, (3, 3), (2, 2), (1, 1)),
        ("avgpool_rect_s1_p1x0_exclude_pad", 1, 2, 7, 6, (3, 2), (1, 1), (1, 0)),
        ("avgpool_2_p1_exclude_pad", 2, 3, 5, 6, (2, 2), (2, 2), (1, 1)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=False)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "avg_pool2d", "batch": n, "channels": c, "height": h, "width": w, "kernel": list(kernel),
            "stride": list(stride), "padding": list(padding), "count_include_pad": False, "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # ceil_mode=True: the output sizes round up, so the last windows run past the padded input (and the divisor of an
    # average counts only their part inside it); "drop" cases are shapes where PyTorch drops a last window that would
    # start past the input and its leading padding, so ceil mode gives the floor size.
    for name, n, c, h, w, kernel, stride, padding, dilation in [
        ("maxpool_2_ceil_odd", 2, 3, 7, 5, (2, 2), (2, 2), (0, 0), (1, 1)),
        ("maxpool_2_ceil_lenet_odd", 2, 6, 27, 27, (2, 2), (2, 2), (0, 0), (1, 1)),
        ("maxpool_3_s2_p1_ceil", 2, 2, 8, 10, (3, 3), (2, 2), (1, 1), (1, 1)),
        ("maxpool_3_s3_ceil", 1, 2, 7, 8, (3, 3), (3, 3), (0, 0), (1, 1)),
        ("maxpool_rect_d2_ceil", 2, 2, 10, 9, (3, 2), (2, 2), (1, 1), (2, 1)),
        ("maxpool_2_p1_ceil_drop", 2, 2, 5, 5, (2, 2), (2, 2), (1, 1), (1, 1)),
    ]:
        x = pool_input(gen, n, c, h, w).requires_grad_()
        floor = F.max_pool2d(x, kernel, stride, padding, dilation)
        y = ceil_max_pool_case(cases, gen, name, x, kernel, stride, padding, dilation)
        assert (floor.shape == y.shape) == name.endswith("_drop"), (name, floor.shape, y.shape)

    for name, n, c, h, w, kernel, stride, padding, include in [
        ("avgpool_2_ceil_odd", 2, 3, 7, 5, (2, 2), (2, 2), (0, 0), True),
        ("avgpool_3_s2_p1_ceil", 2, 2, 8, 10, (3, 3), (2, 2), (1, 1), True),
        ("avgpool_3_s2_p1_ceil_exclude_pad", 2, 2, 8, 10, (3, 3), (2, 2), (1, 1), False),
        ("avgpool_3_s3_ceil", 1, 2, 7, 8, (3, 3), (3, 3), (0, 0), True),
        ("avgpool_rect_s2_p1x0_ceil", 2, 2, 8, 7, (3, 2), (2, 2), (1, 0), True),
        ("avgpool_2_p1_ceil_drop", 2, 2, 5, 5, (2, 2), (2, 2), (1, 1), True),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        floor = F.avg_pool2d(x, kernel, stride, padding, count_include_pad=include)
        y = ceil_avg_pool_case(cases, gen, name, x, kernel, stride, padding, include)
        assert (floor.shape == y.shape) == name.endswith("_drop"), (name, floor.shape, y.shape)

    # nn.ZeroPad2d((left, right, top, bottom)); negative amounts crop, as F.pad does.
    for name, n, c, h, w, pad in [
        ("zeropad_1", 2, 3, 4, 5, (1, 1, 1, 1)),
        ("zeropad_asymmetric", 2, 2, 5, 3, (0, 1, 2, 0)),
        ("zeropad_crop", 1, 3, 6, 7, (-1, 2, 1, -2)),
        ("zeropad_wide_rows", 2, 2, 3, 37, (5, 0, 0, 3)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.pad(x, pad)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "zero_pad2d", "batch": n, "channels": c, "height": h, "width": w, "padding": list(pad), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # nn.GroupNorm(groups, channels, eps, affine) over images and flat features (a plane of 1); one group is a layer norm
    # over each sample, as many groups as channels an instance norm.
    for name, n, c, h, w, groups, eps, affine in [
        ("groupnorm_2_of_6", 3, 6, 5, 4, 2, 1e-5, True),
        ("groupnorm_1_group", 2, 4, 3, 3, 1, 1e-5, True),
        ("groupnorm_per_channel", 2, 3, 7, 6, 3, 1e-3, False),
        ("groupnorm_flat", 4, 8, 1, 1, 2, 1e-5, True),
    ]:
        norm = torch.nn.GroupNorm(groups, c, eps=eps, affine=affine)
        if affine:
            with torch.no_grad():
                norm.weight.copy_(1 + 0.3 * torch.randn(c, generator=gen))
                norm.bias.copy_(0.2 * torch.randn(c, generator=gen))
        x = (1.5 * torch.randn(n, c, h, w, generator=gen) + 0.4).requires_grad_()
        y = norm(x)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "group_norm", "batch": n, "channels": c, "height": h, "width": w, "groups": groups, "eps": eps,
            "x": floats(x), "weight": floats(norm.weight) if affine else None, "bias": floats(norm.bias) if affine else None,
            "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
            "dweight": floats(norm.weight.grad) if affine else None, "dbias": floats(norm.bias.grad) if affine else None,
        })

    # nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, groups, bias, dilation); weight [in, out/groups, kh, kw].
    for name, n, cin, h, w, cout, kh, kw, stride, padding, output_padding, dilation, groups, has_bias, relu in [
        ("convt_2x2_s2", 2, 3, 4, 5, 4, 2, 2, (2, 2), (0, 0), (0, 0), (1, 1), 1, True, False),
        ("convt_3x3_s2_p1_op1", 2, 4, 5, 4, 3, 3, 3, (2, 2), (1, 1), (1, 1), (1, 1), 1, True, True),
        ("convt_rect_grouped", 1, 4, 3, 6, 6, 3, 2, (1, 2), (1, 0), (0, 1), (1, 1), 2, False, False),
        ("convt_dilated", 2, 2, 4, 4, 3, 3, 3, (1, 1), (2, 1), (0, 0), (2, 2), 1, True, False),
    ]:
        x = torch.randn(n, cin, h, w, generator=gen).requires_grad_()
        weight = (0.3 * torch.randn(cin, cout // groups, kh, kw, generator=gen)).requires_grad_()
        bias = (0.1 * torch.randn(cout, generator=gen)).requires_grad_() if has_bias else None
        y = F.conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)
        if relu:
            y = torch.relu(y)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "conv_transpose2d", "batch": n, "in_channels": cin, "height": h, "width": w, "out_channels": cout,
            "kernel": [kh, kw], "stride": list(stride), "padding": list(padding), "output_padding": list(output_padding),
            "dilation": list(dilation), "groups": groups, "bias": has_bias, "relu": relu, "out_shape": list(y.shape),
            "x": floats(x), "w": floats(weight), "b": floats(bias) if has_bias else [], "y": floats(y), "dy": floats(dy),
            "dx": floats(x.grad), "dw": floats(weight.grad), "db": floats(bias.grad) if has_bias else [],
        })

    # nn.Upsample(scale_factor=(sh, sw), mode="nearest") with whole factors.
    for name, n, c, h, w, scale in [("upsample_2", 2, 3, 4, 5, (2, 2)), ("upsample_rect", 1, 2, 3, 4, (3, 1)), ("upsample_1x1", 2, 2, 1, 1, (4, 2))]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.interpolate(x, scale_factor=scale, mode="nearest")
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "upsample_nearest", "batch": n, "channels": c, "height": h, "width": w, "scale": list(scale), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # nn.ReflectionPad2d / nn.ReplicationPad2d((left, right, top, bottom)); negative amounts crop, as F.pad does.
    for name, mode, n, c, h, w, pad in [
        ("reflectpad_1", "reflect", 2, 3, 4, 5, (1, 1, 1, 1)),
        ("reflectpad_asymmetric", "reflect", 1, 2, 5, 3, (0, 2, 4, 0)),
        ("reflectpad_crop", "reflect", 1, 3, 6, 7, (-1, 2, 1, -2)),
        ("reflectpad_largest", "reflect", 2, 2, 4, 4, (3, 3, 3, 3)),
        ("replicatepad_1", "replicate", 2, 3, 4, 5, (1, 1, 1, 1)),
        ("replicatepad_beyond_size", "replicate", 1, 2, 5, 3, (0, 7, 4, 0)),
        ("replicatepad_crop", "replicate", 1, 3, 6, 7, (-1, 2, 1, -2)),
        ("replicatepad_wide_rows", "replicate", 2, 2, 3, 37, (40, 0, 0, 9)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.pad(x, pad, mode=mode)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": mode + "_pad2d", "batch": n, "channels": c, "height": h, "width": w, "padding": list(pad), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # F.pad(mode="circular") (a convolution's padding_mode="circular"): amounts from 0 to the input's size.
    for name, n, c, h, w, pad in [
        ("circularpad_1", 2, 3, 4, 5, (1, 1, 1, 1)),
        ("circularpad_asymmetric", 1, 2, 5, 3, (0, 3, 5, 0)),
        ("circularpad_wide_rows", 2, 2, 3, 37, (37, 5, 0, 3)),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.pad(x, pad, mode="circular")
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "circular_pad2d", "batch": n, "channels": c, "height": h, "width": w, "padding": list(pad), "out_shape": list(y.shape),
            "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # nn.Upsample(scale_factor=(sh, sw), mode="bilinear", align_corners=...) with whole factors.
    for name, n, c, h, w, scale, align in [
        ("bilinear_2", 2, 3, 4, 5, (2, 2), False),
        ("bilinear_2_aligned", 2, 2, 4, 5, (2, 2), True),
        ("bilinear_rect", 1, 2, 3, 4, (3, 1), False),
        ("bilinear_rect_aligned", 1, 2, 3, 4, (1, 3), True),
        ("bilinear_1x1", 2, 2, 1, 1, (4, 2), False),
        ("bilinear_wide", 1, 1, 2, 37, (2, 2), False),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=align)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "upsample_bilinear", "batch": n, "channels": c, "height": h, "width": w, "scale": list(scale),
            "align_corners": align, "out_shape": list(y.shape), "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # nn.Upsample(size=(oh, ow), mode=...): sizes that are not whole multiples of the input's, larger and smaller.
    for name, mode, n, c, h, w, size, align in [
        ("nearest_size_7x9", "nearest", 2, 3, 3, 4, (7, 9), False),
        ("nearest_size_down", "nearest", 1, 2, 5, 6, (3, 4), False),
        ("nearest_size_mixed", "nearest", 1, 2, 4, 5, (8, 13), False),
        ("bilinear_size_7x9", "bilinear", 2, 3, 3, 4, (7, 9), False),
        ("bilinear_size_7x9_aligned", "bilinear", 1, 2, 3, 4, (7, 9), True),
        ("bilinear_size_down", "bilinear", 1, 2, 5, 6, (3, 4), False),
    ]:
        x = torch.randn(n, c, h, w, generator=gen).requires_grad_()
        y = F.interpolate(x, size=size, mode=mode, align_corners=align if mode == "bilinear" else None)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "upsample_" + mode + "_size", "batch": n, "channels": c, "height": h, "width": w, "size": list(size),
            "align_corners": align, "out_shape": list(y.shape), "x": floats(x), "y": floats(y), "dy": floats(dy), "dx": floats(x.grad),
        })

    # nn.AdaptiveMaxPool2d(output_size, return_indices=True): dividing, overlapping, larger than the input, global; ties.
    for name, n, c, h, w, size, ties in [
        ("adaptive_max_divides", 2, 3, 4, 6, (2, 3), False),
        ("adaptive_max_overlapping", 2, 2, 7, 7, (3, 3), False),
        ("adaptive_max_larger", 1, 2, 3, 4, (5, 6), False),
        ("adaptive_max_global", 2, 3, 5, 5, (1, 1), False),
        ("adaptive_max_ties", 1, 2, 6, 5, (4, 3), True),
    ]:
        x = torch.randn(n, c, h, w, generator=gen)
        if ties:
            x = torch.round(x)
        x.requires_grad_()
        y, indices = F.adaptive_max_pool2d(x, size, return_indices=True)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        cases.append({
            "name": name, "kind": "adaptive_max_pool2d", "batch": n, "channels": c, "height": h, "width": w, "size": list(size),
            "out_shape": list(y.shape), "x": floats(x), "y": floats(y), "indices": [int(v) for v in indices.flatten().tolist()],
            "dy": floats(dy), "dx": floats(x.grad),
        })

    # ceil_mode=True with a kernel longer than the padded input by less than the stride: floor mode has no window, ceil mode
    # one, covering what there is (PyTorch's rounding; the average divides by the window's part inside the padded input).
    for name, n, c, h, w, kernel, stride, padding in [
        ("maxpool_2_ceil_1x1", 2, 2, 1, 1, (2, 2), (2, 2), (0, 0)),
        ("maxpool_3_s3_ceil_2x4", 1, 2, 2, 4, (3, 3), (3, 3), (0, 0)),
        ("maxpool_4x3_s4x2_p1_ceil_1x2", 1, 3, 1, 2, (4, 3), (4, 2), (1, 1)),
    ]:
        ceil_max_pool_case(cases, gen, name, pool_input(gen, n, c, h, w).requires_grad_(), kernel, stride, padding, (1, 1))

    for name, n, c, h, w, kernel, stride, padding, include in [
        ("avgpool_4_ceil_5x3", 2, 2, 5, 3, (4, 4), (4, 4), (0, 0), True),
        ("avgpool_4_ceil_5x3_exclude_pad", 2, 2, 5, 3, (4, 4), (4, 4), (0, 0), False),
        ("avgpool_4x3_s3_p1_ceil_1x1", 1, 2, 1, 1, (4, 3), (3, 3), (1, 1), True),
        ("avgpool_4x3_s3_p1_ceil_1x1_exclude_pad", 1, 2, 1, 1, (4, 3), (3, 3), (1, 1), False),
    ]:
        ceil_avg_pool_case(cases, gen, name, torch.randn(n, c, h, w, generator=gen).requires_grad_(), kernel, stride, padding, include)

    # Shapes Conv2dWinograd takes (5 × 5, stride 1, even outputs, at least 8 samples): LeNet's conv2 and a padded one.
    conv_case(cases, gen, "conv_lenet2_winograd", 9, 6, 14, 14, 16, 5, 5, (1, 1), (0, 0), (1, 1), 1, True, True)
    conv_case(cases, gen, "conv_5x5_p2_winograd", 8, 3, 8, 10, 5, 5, 5, (1, 1), (2, 2), (1, 1), 1, False, False)

    with open(os.path.join(args.out, "conv.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"generator": "scripts/golden_conv.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
