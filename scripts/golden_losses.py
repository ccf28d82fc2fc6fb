#!/usr/bin/python3
"""Golden values of PyTorch's cross-entropy family for Runtime.Tests/Losses/GoldenLossTests.cs.

Every case is one call of a PyTorch loss on float32 inputs, evaluated in float64 (the exact value of
PyTorch's formula for those inputs) with autograd giving the gradient of the logits. Cases cover
nn.CrossEntropyLoss with class indices (weight x ignore_index x reduction x label_smoothing) and with
class probabilities (soft and one-hot, weight x label_smoothing x reduction), LogSoftmax + nn.NLLLoss,
and nn.BCEWithLogitsLoss (weight x pos_weight x reduction, one-logit and multi-label heads, hard and
soft targets), plus edge cases: batch 1, logits of magnitude 1e4, -inf logits of masked classes, all
rows ignored, zero class weights, 2,000-3,000 classes.

For reduction='none' the gradient is that of the sum of the per-sample losses (what StaticGrad's
TrainStep back-propagates) and the stored loss is that sum.

Writes Runtime.Tests/Golden/losses.json (case metadata, labels, losses) and losses.bin (float32
arrays back to back: logits, targets, weights, pos_weight, per-sample losses, gradients). Deterministic.

    /usr/bin/python3 scripts/golden_losses.py          # --out DIR, default Runtime.Tests/Golden
"""

import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

SEED = 20240601


class Writer:
    def __init__(self):
        self.floats = []

    def add(self, tensor):
        values = tensor.detach().to(torch.float32).reshape(-1).tolist()
        offset = len(self.floats)
        self.floats.extend(values)
        return {"offset": offset, "count": len(values)}


def number(x):
    """JSON has no NaN or infinity: those become strings the C# side parses."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def random_logits(gen, rows, cols, scale=3.0):
    return (torch.randn(rows, cols, generator=gen, dtype=torch.float64) * scale).to(torch.float32)


def random_weights(gen, cols, zeros=False):
    w = (torch.rand(cols, generator=gen, dtype=torch.float64) * 2.0 + 0.1).to(torch.float32)
    if zeros:
        # Zero some classes (at least one, never all).
        count = max(1, cols // 3)
        idx = torch.randperm(cols, generator=gen)[:count]
        w[idx] = 0.0
    return w


def random_labels(gen, rows, cols):
    return torch.randint(0, cols, (rows,), generator=gen)


def soft_targets(gen, rows, cols):
    return torch.softmax(torch.randn(rows, cols, generator=gen, dtype=torch.float64) * 2.0, dim=1).to(torch.float32)


def one_hot_targets(gen, rows, cols):
    return F.one_hot(random_labels(gen, rows, cols), cols).to(torch.float32)


def evaluate(kind, logits32, target, weight, pos_weight, ignore_index, smoothing, reduction, dtype):
    """Runs the PyTorch loss at dtype; returns (reduced loss, per-sample losses or None, gradient of the logits)."""
    x = logits32.to(dtype).clone().requires_grad_(True)
    w = None if weight is None else weight.to(dtype)
    pw = None if pos_weight is None else pos_weight.to(dtype)
    if kind == "ce":
        out = F.cross_entropy(x, target, weight=w, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    elif kind == "ce_prob":
        out = F.cross_entropy(x, target.to(dtype), weight=w, reduction=reduction, label_smoothing=smoothing)
    elif kind == "nll":
        out = F.nll_loss(F.log_softmax(x, dim=1), target, weight=w, ignore_index=ignore_index, reduction=reduction)
    elif kind == "bce":
        out = F.binary_cross_entropy_with_logits(x, target.to(dtype), weight=w, pos_weight=pw, reduction=reduction)
    else:
        raise ValueError(kind)
    total = out.sum() if reduction == "none" else out
    total.backward()
    per_sample = out.detach() if reduction == "none" else None
    return total.item(), per_sample, x.grad.detach()


def make_case(writer, cases, name, kind, logits, target, weight=None, pos_weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    rows, cols = logits.shape
    loss64, per_sample64, grad64 = evaluate(kind, logits, target, weight, pos_weight, ignore_index, smoothing, reduction, torch.float64)
    loss32, _, _ = evaluate(kind, logits, target, weight, pos_weight, ignore_index, smoothing, reduction, torch.float32)
    case = {
        "name": name,
        "kind": kind,
        "rows": rows,
        "cols": cols,
        "reduction": reduction,
        "ignore_index": ignore_index,
        "label_smoothing": smoothing,
        "loss": number(loss64),
        "loss_float32_pytorch": number(loss32),
        "logits": writer.add(logits),
        "gradient": writer.add(grad64),
    }
    if kind in ("ce", "nll"):
        case["labels"] = [int(v) for v in target.tolist()]
    else:
        case["targets"] = writer.add(target)
    if weight is not None:
        case["weights"] = writer.add(weight)
    if pos_weight is not None:
        case["pos_weight"] = writer.add(pos_weight)
    if per_sample64 is not None:
        case["losses"] = writer.add(per_sample64)
    cases.append(case)


def keep_class(weight, cols, ignore_index):
    """A class that is not the ignore index and, when weighted, has a non-zero weight."""
    for c in range(cols):
        if c != ignore_index and (weight is None or float(weight[c]) > 0.0):
            return c
    raise ValueError("no usable class")


def with_ignored(gen, labels, ignore_index, fraction=0.3):
    labels = labels.clone()
    rows = labels.shape[0]
    count = max(1, int(rows * fraction)) if rows > 1 else 0
    idx = torch.randperm(rows, generator=gen)[:count]
    labels[idx] = ignore_index
    return labels


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden"))
    args = parser.parse_args()

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    writer = Writer()
    cases = []

    def shape():
        rows = int(torch.randint(1, 10, (1,), generator=gen))
        cols = int(torch.randint(2, 41, (1,), generator=gen))
        return rows, cols

    reductions = ["mean", "sum", "none"]

    # nn.CrossEntropyLoss, class indices: weight x ignore_index x reduction x label_smoothing.
    for reduction in reductions:
        for weighting in ["none", "random", "zeros"]:
            for ignore in ["default", "default_used", "custom"]:
                for smoothing in [0.0, 0.2, 1.0]:
                    rows, cols = shape()
                    rows = max(rows, 2)
                    logits = random_logits(gen, rows, cols)
                    labels = random_labels(gen, rows, cols)
                    weight = None if weighting == "none" else random_weights(gen, cols, zeros=weighting == "zeros")
                    ignore_index = 1 if ignore == "custom" and cols > 2 else (-1 if ignore == "custom" else -100)
                    if ignore != "default":
                        labels = with_ignored(gen, labels, ignore_index)
                    # Keep row 0 counted, with a non-zero weight, so that the mean is defined.
                    labels[0] = keep_class(weight, cols, ignore_index)
                    make_case(writer, cases, f"ce_{reduction}_w{weighting}_ign{ignore}_ls{smoothing}", "ce", logits, labels,
                              weight=weight, ignore_index=ignore_index, smoothing=smoothing, reduction=reduction)

    # nn.CrossEntropyLoss, class probabilities: weight x label_smoothing x reduction x soft/one-hot.
    for reduction in reductions:
        for weighted in [False, True]:
            for smoothing in [0.0, 0.15]:
                for form in ["soft", "onehot"]:
                    rows, cols = shape()
                    logits = random_logits(gen, rows, cols)
                    targets = soft_targets(gen, rows, cols) if form == "soft" else one_hot_targets(gen, rows, cols)
                    weight = random_weights(gen, cols) if weighted else None
                    make_case(writer, cases, f"ceprob_{reduction}_w{weighted}_ls{smoothing}_{form}", "ce_prob", logits, targets,
                              weight=weight, smoothing=smoothing, reduction=reduction)

    # LogSoftmax + nn.NLLLoss: weight x ignore_index x reduction.
    for reduction in reductions:
        for weighting in ["none", "random", "zeros"]:
            for ignore in ["default", "default_used", "custom"]:
                rows, cols = shape()
                rows = max(rows, 2)
                logits = random_logits(gen, rows, cols)
                labels = random_labels(gen, rows, cols)
                weight = None if weighting == "none" else random_weights(gen, cols, zeros=weighting == "zeros")
                ignore_index = 0 if ignore == "custom" else -100
                if ignore != "default":
                    labels = with_ignored(gen, labels, ignore_index)
                labels[0] = keep_class(weight, cols, ignore_index)
                make_case(writer, cases, f"nll_{reduction}_w{weighting}_ign{ignore}", "nll", logits, labels,
                          weight=weight, ignore_index=ignore_index, reduction=reduction)

    # nn.BCEWithLogitsLoss: weight x pos_weight x reduction x width x target kind.
    for reduction in reductions:
        for weighted in [False, True]:
            for positive in [False, True]:
                for width in ["one", "multi"]:
                    for form in ["hard", "soft"]:
                        rows = int(torch.randint(1, 13, (1,), generator=gen))
                        cols = 1 if width == "one" else int(torch.randint(2, 40, (1,), generator=gen))
                        logits = random_logits(gen, rows, cols, scale=4.0)
                        if form == "hard":
                            targets = (torch.rand(rows, cols, generator=gen) < 0.3).to(torch.float32)
                        else:
                            targets = torch.rand(rows, cols, generator=gen).to(torch.float32)
                        weight = random_weights(gen, cols, zeros=cols > 2) if weighted else None
                        pos_weight = (torch.rand(cols, generator=gen, dtype=torch.float64) * 5.0).to(torch.float32) if positive else None
                        make_case(writer, cases, f"bce_{reduction}_w{weighted}_pw{positive}_{width}_{form}", "bce", logits, targets,
                                  weight=weight, pos_weight=pos_weight, reduction=reduction)

    # Batch 1.
    make_case(writer, cases, "ce_batch1", "ce", random_logits(gen, 1, 7), torch.tensor([3]))
    make_case(writer, cases, "ce_batch1_weighted_smoothed", "ce", random_logits(gen, 1, 7), torch.tensor([3]),
              weight=random_weights(gen, 7), smoothing=0.1)
    make_case(writer, cases, "ceprob_batch1", "ce_prob", random_logits(gen, 1, 5), soft_targets(gen, 1, 5), smoothing=0.3)
    make_case(writer, cases, "nll_batch1_sum", "nll", random_logits(gen, 1, 4), torch.tensor([2]), reduction="sum")
    make_case(writer, cases, "bce_batch1_one_logit", "bce", random_logits(gen, 1, 1), torch.tensor([[1.0]]), pos_weight=torch.tensor([2.5]))

    # Extreme logits: magnitude 1e4.
    def extreme(rows, cols):
        x = random_logits(gen, rows, cols, scale=1.0) * 5000.0
        x[0, 0] = 1e4
        x[-1, -1] = -1e4
        return x

    for smoothing in [0.0, 0.1]:
        for reduction in ["mean", "sum"]:
            make_case(writer, cases, f"ce_extreme_ls{smoothing}_{reduction}", "ce", extreme(5, 9), random_labels(gen, 5, 9),
                      weight=random_weights(gen, 9), smoothing=smoothing, reduction=reduction)
    make_case(writer, cases, "ceprob_extreme", "ce_prob", extreme(4, 6), soft_targets(gen, 4, 6), smoothing=0.1)
    make_case(writer, cases, "ceprob_extreme_onehot_weighted", "ce_prob", extreme(4, 6), one_hot_targets(gen, 4, 6), weight=random_weights(gen, 6))
    make_case(writer, cases, "nll_extreme", "nll", extreme(4, 6), random_labels(gen, 4, 6))
    make_case(writer, cases, "bce_extreme_hard", "bce", extreme(6, 5), (torch.rand(6, 5, generator=gen) < 0.5).to(torch.float32),
              pos_weight=(torch.rand(5, generator=gen) * 3).to(torch.float32))
    make_case(writer, cases, "bce_extreme_soft_sum", "bce", extreme(6, 5), torch.rand(6, 5, generator=gen).to(torch.float32), reduction="sum")
    confident = random_logits(gen, 8, 3, scale=1.0).abs() + 15.0
    make_case(writer, cases, "bce_confident_correct", "bce", torch.cat([confident, -confident]),
              torch.cat([torch.ones(8, 3), torch.zeros(8, 3)]), reduction="sum")

    # -inf logits of masked classes (never the target).
    def masked(rows, cols, labels):
        x = random_logits(gen, rows, cols)
        for r in range(rows):
            for c in range(cols):
                if c != int(labels[r]) and (r + c) % 3 == 0:
                    x[r, c] = float("-inf")
        return x

    for reduction in ["mean", "sum", "none"]:
        labels = random_labels(gen, 5, 11)
        make_case(writer, cases, f"ce_masked_{reduction}", "ce", masked(5, 11, labels), labels, reduction=reduction)
    labels = random_labels(gen, 5, 11)
    make_case(writer, cases, "ce_masked_weighted", "ce", masked(5, 11, labels), labels, weight=random_weights(gen, 11))
    labels = random_labels(gen, 5, 11)
    make_case(writer, cases, "ce_masked_smoothed_infinite", "ce", masked(5, 11, labels), labels, smoothing=0.1)
    labels = random_labels(gen, 4, 9)
    make_case(writer, cases, "nll_masked", "nll", masked(4, 9, labels), labels, weight=random_weights(gen, 9))

    # All rows ignored: NaN under 'mean' (0/0), 0 under 'sum', zeros under 'none'; zero gradient.
    for reduction in reductions:
        make_case(writer, cases, f"ce_all_ignored_{reduction}", "ce", random_logits(gen, 4, 6), torch.full((4,), -100), reduction=reduction)
    make_case(writer, cases, "ce_all_ignored_weighted_smoothed", "ce", random_logits(gen, 3, 6), torch.full((3,), 2),
              weight=random_weights(gen, 6), ignore_index=2, smoothing=0.2)
    make_case(writer, cases, "nll_all_ignored", "nll", random_logits(gen, 3, 5), torch.full((3,), -1), ignore_index=-1)
    make_case(writer, cases, "ce_all_ignored_batch1", "ce", random_logits(gen, 1, 3), torch.tensor([-100]))

    # Zero weights: every target class weighs 0 -> 'mean' is 0/0 (NaN loss and gradient, as in PyTorch); 'sum' is finite.
    zero_weight = torch.tensor([0.0, 0.0, 1.0, 2.0, 0.0])
    for smoothing in [0.0, 0.1]:
        for reduction in ["mean", "sum"]:
            make_case(writer, cases, f"ce_zero_target_weights_ls{smoothing}_{reduction}", "ce", random_logits(gen, 3, 5),
                      torch.tensor([0, 1, 4]), weight=zero_weight, smoothing=smoothing, reduction=reduction)
    make_case(writer, cases, "ceprob_zero_weights", "ce_prob", random_logits(gen, 3, 5), soft_targets(gen, 3, 5), weight=zero_weight)
    make_case(writer, cases, "bce_zero_weights", "bce", random_logits(gen, 3, 5), torch.rand(3, 5, generator=gen).to(torch.float32), weight=zero_weight)

    # Many classes.
    make_case(writer, cases, "ce_3000_classes", "ce", random_logits(gen, 2, 3000, scale=5.0), torch.tensor([17, 2999]),
              weight=random_weights(gen, 3000), smoothing=0.1)
    make_case(writer, cases, "ceprob_2000_classes", "ce_prob", random_logits(gen, 2, 2000, scale=5.0), soft_targets(gen, 2, 2000), smoothing=0.05)
    make_case(writer, cases, "nll_2000_classes", "nll", random_logits(gen, 3, 2000, scale=5.0), torch.tensor([0, 1999, -100]), reduction="none")

    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"

    os.makedirs(args.out, exist_ok=True)
    bin_name = "losses.bin"
    with open(os.path.join(args.out, bin_name), "wb") as f:
        f.write(struct.pack(f"<{len(writer.floats)}f", *writer.floats))
    manifest = {
        "generator": "scripts/golden_losses.py",
        "torch": torch.__version__,
        "seed": SEED,
        "bin": bin_name,
        "floats": len(writer.floats),
        "note": "Expected values are PyTorch evaluated in float64 on the float32 inputs; loss_float32_pytorch is the same call in float32. "
                "Arrays are float32 little-endian in the bin file at the given float offsets. For reduction 'none' the loss is the sum "
                "of the per-sample losses and the gradient is that of the sum.",
        "cases": cases,
    }
    with open(os.path.join(args.out, "losses.json"), "w") as f:
        json.dump(manifest, f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")

    worst = 0.0
    for c in cases:
        a, b = c["loss"], c["loss_float32_pytorch"]
        if isinstance(a, float) and isinstance(b, float) and a != 0.0:
            worst = max(worst, abs(a - b) / abs(a))
    print(f"{len(cases)} cases, {len(writer.floats)} floats; largest relative difference of PyTorch float32 from float64 loss: {worst:.2e}")


if __name__ == "__main__":
    main()
