#!/usr/bin/python3
"""Golden values of PyTorch's regression losses for Runtime.Tests/Losses/GoldenRegressionLossTests.cs.

Every case is one call of F.mse_loss, F.l1_loss, F.smooth_l1_loss(beta) (beta 0, 0.5, 1, 3) or
F.huber_loss(delta) (delta 0.5, 1, 2.5) with reduction mean, sum or none on float32 predictions and
targets of shape 1x1, 3x5, 4x17 or 2x40 (so a row is all scalar tail, vector body plus tail, or all
vector body at the kernel's widths). Each tensor holds the edge differences d = x - t, placed at both
ends of the rows: d == 0 exactly, d == +-beta (+-delta; +-1 for MSE and L1) exactly, just inside and just
outside that boundary, tiny (1 ulp at 1.0, 1e-12) and large (+-1e4) differences; the rest are seeded
random differences at several scales. A second set puts one non-finite element into a 2x19 tensor at two
places (row 0 column 2, row 1 column 17): a NaN prediction, a NaN target, +inf and -inf differences, and
+inf minus +inf.

The expected values are PyTorch evaluated in float64 on the float32 inputs (the exact value of its
formula for those inputs): the reduced loss, every element's unreduced loss, and autograd's gradient of
the predictions. loss_float32_pytorch is the same call in float32. For reduction 'none' the stored loss
is the sum of the element losses and the gradient is that of the sum, which is what StaticGrad's
RegressionLoss.ForwardBackward returns and writes.

Writes Runtime.Tests/Golden/regression_losses.json; JSON has no NaN or infinity, so those are the
strings "NaN", "Infinity" and "-Infinity". Deterministic: two runs give identical files.

    /usr/bin/python3 scripts/golden_regression_losses.py      # --out DIR, default Runtime.Tests/Golden
"""

import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

SEED = 20250321
SHAPES = [(1, 1), (3, 5), (4, 17), (2, 40)]
NONFINITE_SHAPE = (2, 19)
NONFINITE_POSITIONS = [(0, 2), (1, 17)]
REDUCTIONS = ["mean", "sum", "none"]
CONFIGS = [("mse", 0.0), ("l1", 0.0)] + [("smooth_l1", b) for b in (0.0, 0.5, 1.0, 3.0)] + [("huber", d) for d in (0.5, 1.0, 2.5)]


def number(x):
    """JSON has no NaN or infinity: those become strings the C# side parses."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def numbers(tensor):
    return [number(v) for v in tensor.reshape(-1).tolist()]


def f32(v):
    return torch.tensor(v, dtype=torch.float32).item()


def loss_function(kind, parameter):
    if kind == "mse":
        return lambda x, t, reduction: F.mse_loss(x, t, reduction=reduction)
    if kind == "l1":
        return lambda x, t, reduction: F.l1_loss(x, t, reduction=reduction)
    if kind == "smooth_l1":
        return lambda x, t, reduction: F.smooth_l1_loss(x, t, reduction=reduction, beta=parameter)
    if kind == "huber":
        return lambda x, t, reduction: F.huber_loss(x, t, reduction=reduction, delta=parameter)
    raise ValueError(kind)


def evaluate(fn, x32, t32, reduction, dtype):
    """Returns (reduced loss, gradient of the predictions, element losses); 'none' reduces by the sum."""
    x = x32.to(dtype).clone().requires_grad_(True)
    t = t32.to(dtype)
    out = fn(x, t, reduction)
    total = out.sum() if reduction == "none" else out
    total.backward()
    with torch.no_grad():
        elements = fn(x.detach(), t, "none")
    return total.item(), x.grad.detach(), elements


def edge_pairs(gen, boundary):
    """(prediction, target) float32 pairs whose difference is exactly the wanted edge value."""
    def grid():
        # Targets on a 1/16 grid of magnitude <= 4: t + d is exact in float32 for every d below.
        return int(torch.randint(-64, 65, (1,), generator=gen)) / 16.0

    diffs = [0.0, boundary, -boundary,
             boundary * (1 - 2.0 ** -16), -boundary * (1 - 2.0 ** -16),
             boundary * (1 + 2.0 ** -16), -boundary * (1 + 2.0 ** -16),
             1e4, -1e4]
    pairs = []
    seen = set()
    for d in diffs:
        if d in seen:
            continue
        seen.add(d)
        t = grid()
        pairs.append((t + d, t))
    one_up = torch.nextafter(torch.tensor(1.0), torch.tensor(2.0)).item()
    pairs += [(one_up, 1.0), (1.0, one_up), (f32(1e-12), 0.0), (0.0, f32(1e-12))]
    for x, t in pairs:
        # Both are float32 and their float64 difference is the intended one, so float32 x - t is exact too.
        assert f32(x) == x and f32(t) == t, (x, t)
    return pairs


def row_positions(rows, cols):
    """Both ends of every row, alternating: the vector body and the scalar tail both get edge values."""
    order = []
    for k in range((cols + 1) // 2):
        for r in range(rows):
            for c in (cols - 1 - k, k):
                if (r, c) not in order:
                    order.append((r, c))
    return order


def inputs(gen, kind, parameter, rows, cols, rotate):
    boundary = parameter if kind in ("smooth_l1", "huber") and parameter > 0 else 1.0
    scales = torch.tensor([0.01, 0.3, 1.0, 3.0, 30.0], dtype=torch.float64)
    pick = torch.randint(0, len(scales), (rows, cols), generator=gen)
    t = torch.randn(rows, cols, generator=gen, dtype=torch.float64).to(torch.float32)
    d = torch.randn(rows, cols, generator=gen, dtype=torch.float64) * scales[pick]
    x = (t.to(torch.float64) + d).to(torch.float32)
    pairs = edge_pairs(gen, boundary)
    pairs = pairs[rotate % len(pairs):] + pairs[:rotate % len(pairs)]
    for (r, c), (xv, tv) in zip(row_positions(rows, cols), pairs):
        x[r, c] = xv
        t[r, c] = tv
    return x, t


def nonfinite_inputs(gen, special):
    rows, cols = NONFINITE_SHAPE
    t = torch.randn(rows, cols, generator=gen, dtype=torch.float64).to(torch.float32)
    x = (t.to(torch.float64) + torch.randn(rows, cols, generator=gen, dtype=torch.float64)).to(torch.float32)
    inf = math.inf
    for r, c in NONFINITE_POSITIONS:
        if special == "nan_prediction":
            x[r, c] = math.nan
        elif special == "nan_target":
            t[r, c] = math.nan
        elif special == "pos_inf_difference":
            x[r, c] = inf
        elif special == "neg_inf_difference":
            x[r, c] = -inf
        elif special == "inf_minus_inf":
            x[r, c] = inf
            t[r, c] = inf
        else:
            raise ValueError(special)
    return x, t


def label(kind, parameter):
    if kind == "smooth_l1":
        return f"smooth_l1_beta{parameter}"
    if kind == "huber":
        return f"huber_delta{parameter}"
    return kind


def same_pattern(a, b):
    """NaN where the other is NaN, the same infinities."""
    a, b = a.reshape(-1).tolist(), b.reshape(-1).tolist()
    return all((math.isnan(p) and math.isnan(q)) or (math.isinf(p) and p == q) or (math.isfinite(p) and math.isfinite(q)) for p, q in zip(a, b))


def make_case(cases, name, kind, parameter, reduction, x, t, nonfinite):
    fn = loss_function(kind, parameter)
    loss64, grad64, elements64 = evaluate(fn, x, t, reduction, torch.float64)
    loss32, grad32, elements32 = evaluate(fn, x, t, reduction, torch.float32)
    # The float64 reference is PyTorch's float32 result up to rounding: same NaN and infinities.
    assert same_pattern(grad64, grad32) and same_pattern(elements64, elements32), name
    assert same_pattern(torch.tensor([loss64]), torch.tensor([loss32])), name
    rows, cols = x.shape
    cases.append({
        "name": name,
        "kind": kind,
        "parameter": parameter,
        "reduction": reduction,
        "rows": rows,
        "cols": cols,
        "nonfinite": nonfinite,
        "loss": number(loss64),
        "loss_float32_pytorch": number(loss32),
        "predictions": numbers(x),
        "targets": numbers(t),
        "gradient": numbers(grad64),
        "losses": numbers(elements64),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden"))
    args = parser.parse_args()

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    cases = []

    rotate = 0
    for kind, parameter in CONFIGS:
        for reduction in REDUCTIONS:
            for rows, cols in SHAPES:
                x, t = inputs(gen, kind, parameter, rows, cols, rotate)
                rotate += 1
                make_case(cases, f"{label(kind, parameter)}_{reduction}_{rows}x{cols}", kind, parameter, reduction, x, t, False)

    for kind, parameter in CONFIGS:
        for reduction in REDUCTIONS:
            for special in ["nan_prediction", "nan_target", "pos_inf_difference", "neg_inf_difference", "inf_minus_inf"]:
                x, t = nonfinite_inputs(gen, special)
                make_case(cases, f"{label(kind, parameter)}_{reduction}_{special}", kind, parameter, reduction, x, t, True)

    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"

    os.makedirs(args.out, exist_ok=True)
    manifest = {
        "generator": "scripts/golden_regression_losses.py",
        "torch": torch.__version__,
        "seed": SEED,
        "note": "Expected values are PyTorch evaluated in float64 on the float32 predictions and targets; loss_float32_pytorch "
                "is the same call in float32. losses are the unreduced element losses. For reduction 'none' the loss is the "
                "sum of the element losses and the gradient is that of the sum.",
        "cases": cases,
    }
    with open(os.path.join(args.out, "regression_losses.json"), "w") as f:
        json.dump(manifest, f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")

    worst = 0.0
    for c in cases:
        a, b = c["loss"], c["loss_float32_pytorch"]
        if isinstance(a, float) and isinstance(b, float) and a != 0.0:
            worst = max(worst, abs(a - b) / abs(a))
    print(f"{len(cases)} cases ({sum(c['nonfinite'] for c in cases)} with NaN or infinity); "
          f"largest relative difference of PyTorch float32 from float64 loss: {worst:.2e}")


if __name__ == "__main__":
    main()
