#!/usr/bin/python3
"""Golden values of PyTorch 1.13's binary cross-entropy on probabilities (nn.BCELoss, F.binary_cross_entropy) for
Runtime.Tests/Losses/GoldenBinaryCrossEntropyTests.cs and BinaryCrossEntropyModelTests.cs.

    /usr/bin/python3 scripts/golden_bce.py          # --out DIR, default Runtime.Tests/Golden

bce.json, the kernel: every case is one call of F.binary_cross_entropy(p, y, weight, reduction) on float32 p and y of
shape 1x1, 3x5, 4x17 or 2x40, with and without a per-output weight (one zero among them), reductions mean, sum and none.
The probabilities are the sigmoid of seeded logits of several scales, with the edges placed at both ends of the rows: 0
and 1 exactly (a log floored at -100), the smallest subnormal, 1e-30, 1e-12 and 1e-8 (log1p against log), one ulp below
1, and 0.5; the targets are 0, 1 and soft values, and one set of cases has targets outside [0, 1] (PyTorch 1.13 does
not check them). Expected values: the loss, every element's loss and autograd's gradient of p evaluated in float64 on
the float32 inputs, and PyTorch's own float32 loss, element losses and gradient (loss_float32_pytorch,
losses_float32_pytorch, gradient_float32_pytorch). The test compares with the float32 ones: PyTorch 1.13 computes
log(1 - p) with 1 - p rounded in the input's precision (not log1p), so for p below 2^-25 the float32 loss is not the
float64 one rounded; the float32 gradient is matched bit for bit. For reduction 'none' the stored loss
is the sum of the element losses and the gradient that of the sum, which is what StaticGrad's
BinaryCrossEntropy.ForwardBackward returns and writes.

bce_models.json, two small models trained a few Adam steps with PyTorch's initial weights (state_dict names as the C#
models of BinaryCrossEntropyModelTests.cs):
  BceAutoencoder      Conv2d(1, 3, 3, padding=1) + ReLU, Flatten, Linear(48, 16) + Sigmoid on 1 x 4 x 4 images in
                      [0, 1] (some pixels exactly 0 and 1), reconstructing its input: nn.BCELoss(weight, 'mean');
                      Adam(lr=1e-2), 6 steps on one batch of 6.
  BceSaturatedHead    Linear(5, 8) + Tanh, Linear(8, 3), then nn.Sigmoid() as its own module: nn.BCELoss(weight,
                      'none') trained on the sum; head.bias set to (+40, -40, 0) so output 0 is exactly 1 in float32
                      and output 1 about 4e-18: the loss floors log 0 at -100 there, the gradient w(p - y)/max(p(1 - p),
                      1e-12) times the Sigmoid's p(1 - p) is not the logits form's p - y (0 where p rounds to 1);
                      Adam(lr=5e-3), 5 steps on one batch of 4.
Each model case holds the initial state_dict, the inputs and targets, the loss of every step (before that step's
update), the parameters after the last step and the final loss under torch.no_grad().

JSON has no NaN or infinity, so those are the strings "NaN", "Infinity" and "-Infinity". Deterministic: two runs give
identical files.
"""

import argparse
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261207
SHAPES = [(1, 1), (3, 5), (4, 17), (2, 40)]
REDUCTIONS = ["mean", "sum", "none"]

# (p, y) pairs placed at the ends of the rows: floored logs, tiny probabilities, one ulp below 1.
EDGES = [
    (0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0), (0.0, 0.25), (1.0, 0.75),
    (1e-45, 1.0), (1e-30, 0.0), (1e-12, 0.3), (1e-8, 0.0), (1e-8, 1.0),
    (1.0 - 2.0 ** -24, 0.0), (1.0 - 2.0 ** -24, 1.0), (0.5, 0.5), (0.5, 1.0),
]


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


def row_positions(rows, cols):
    """Both ends of every row, alternating."""
    order = []
    for k in range((cols + 1) // 2):
        for r in range(rows):
            for c in (cols - 1 - k, k):
                if (r, c) not in order:
                    order.append((r, c))
    return order


def kernel_inputs(gen, rows, cols, rotate, wild_targets):
    scales = torch.tensor([0.3, 1.0, 4.0, 12.0], dtype=torch.float64)
    pick = torch.randint(0, len(scales), (rows, cols), generator=gen)
    p = torch.sigmoid(torch.randn(rows, cols, generator=gen, dtype=torch.float64) * scales[pick]).to(torch.float32)
    kind = torch.randint(0, 3, (rows, cols), generator=gen)
    soft = torch.rand(rows, cols, generator=gen, dtype=torch.float64)
    y = torch.where(kind == 0, torch.zeros_like(soft), torch.where(kind == 1, torch.ones_like(soft), soft)).to(torch.float32)
    if wild_targets:
        y = (y * 3.0 - 1.0).to(torch.float32)
    edges = EDGES[rotate % len(EDGES):] + EDGES[:rotate % len(EDGES)]
    for (r, c), (pv, yv) in zip(row_positions(rows, cols), edges):
        p[r, c] = pv
        y[r, c] = yv if not wild_targets else yv * 2.0 - 0.5
    return p, y


def evaluate(p32, y32, w32, reduction, dtype):
    p = p32.to(dtype).clone().requires_grad_(True)
    y = y32.to(dtype)
    w = None if w32 is None else w32.to(dtype)
    out = F.binary_cross_entropy(p, y, weight=w, reduction=reduction)
    total = out.sum() if reduction == "none" else out
    total.backward()
    with torch.no_grad():
        elements = F.binary_cross_entropy(p.detach(), y, weight=w, reduction="none")
    return total.item(), p.grad.detach(), elements


def kernel_cases(gen):
    cases = []
    rotate = 0
    for wild in (False, True):
        for weighted in (False, True):
            for reduction in REDUCTIONS:
                for rows, cols in SHAPES:
                    if wild and (rows, cols) != (4, 17):
                        continue
                    p, y = kernel_inputs(gen, rows, cols, rotate, wild)
                    rotate += 1
                    w = None
                    if weighted:
                        w = (torch.rand(cols, generator=gen, dtype=torch.float64) * 2.0).to(torch.float32)
                        w[cols // 2] = 0.0
                    loss64, grad64, elements64 = evaluate(p, y, w, reduction, torch.float64)
                    loss32, grad32, elements32 = evaluate(p, y, w, reduction, torch.float32)
                    name = f"{'wild_targets_' if wild else ''}{'weighted_' if weighted else ''}{reduction}_{rows}x{cols}"
                    cases.append({
                        "name": name,
                        "reduction": reduction,
                        "rows": rows,
                        "cols": cols,
                        "weights": None if w is None else numbers(w),
                        "probabilities": numbers(p),
                        "targets": numbers(y),
                        "loss": number(loss64),
                        "loss_float32_pytorch": number(loss32),
                        "losses": numbers(elements64),
                        "losses_float32_pytorch": numbers(elements32),
                        "gradient": numbers(grad64),
                        "gradient_float32_pytorch": numbers(grad32),
                    })
    return cases


class BceAutoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Conv2d(1, 3, 3, padding=1)
        self.flat = nn.Flatten()
        self.decoder = nn.Linear(48, 16)

    def forward(self, x):
        return torch.sigmoid(self.decoder(self.flat(torch.relu(self.encoder(x)))))


class BceSaturatedHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(5, 8)
        self.head = nn.Linear(8, 3)
        self.probabilities = nn.Sigmoid()

    def forward(self, x):
        return self.probabilities(self.head(torch.tanh(self.hidden(x))))


# The loss weights the C# models declare in their [BinaryCrossEntropy(Weights = ...)].
AUTOENCODER_WEIGHTS = [0.5, 1.0, 1.0, 0.5, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 0.5, 1.0, 1.0, 0.5]
SATURATED_WEIGHTS = [1.0, 2.5, 0.5]


def model_case(name, net, inputs, targets, weights, reduction, lr, steps):
    initial = {k: numbers(v) for k, v in net.state_dict().items()}
    criterion = nn.BCELoss(weight=torch.tensor(weights, dtype=torch.float32), reduction=reduction)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        out = criterion(net(inputs), targets)
        loss = out.sum() if reduction == "none" else out
        loss.backward()
        optimizer.step()
        losses.append(number(loss.item()))
    with torch.no_grad():
        outputs = net(inputs)
        final = criterion(outputs, targets)
        final = final.sum() if reduction == "none" else final
    return {
        "name": name,
        "batch": inputs.shape[0],
        "reduction": reduction,
        "lr": lr,
        "weights": weights,
        "parameters": initial,
        "inputs": numbers(inputs),
        "targets": numbers(targets),
        "losses": losses,
        "parameters_after": {k: numbers(v) for k, v in net.state_dict().items()},
        "outputs_after": numbers(outputs),
        "final_loss": number(final.item()),
    }


def model_cases():
    torch.manual_seed(SEED)
    autoencoder = BceAutoencoder()
    images = torch.rand(6, 1, 4, 4)
    images[images < 0.15] = 0.0
    images[images > 0.85] = 1.0
    auto = model_case("BceAutoencoder", autoencoder, images, images.reshape(6, 16).clone(), AUTOENCODER_WEIGHTS, "mean", 1e-2, 6)

    torch.manual_seed(SEED + 1)
    head = BceSaturatedHead()
    with torch.no_grad():
        head.head.bias.copy_(torch.tensor([40.0, -40.0, 0.0]))
    inputs = torch.randn(4, 5)
    targets = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.25, 1.0, 0.5], [0.0, 0.0, 1.0]])
    with torch.no_grad():
        p = head(inputs)
    assert bool((p[:, 0] == 1.0).all()) and bool((p[:, 1] < 1e-16).all()) and bool((p[:, 1] > 0).all()), p
    saturated = model_case("BceSaturatedHead", head, inputs, targets, SATURATED_WEIGHTS, "none", 5e-3, 5)
    return [auto, saturated]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = kernel_cases(torch.Generator().manual_seed(SEED))
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    models = model_cases()

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bce.json"), "w") as f:
        json.dump({
            "generator": "scripts/golden_bce.py",
            "torch": torch.__version__,
            "seed": SEED,
            "note": "Expected values are PyTorch evaluated in float64 on the float32 probabilities and targets; the *_float32_pytorch "
                    "values are the same call in float32. For reduction 'none' the loss is the sum of the element losses and the "
                    "gradient is that of the sum.",
            "cases": cases,
        }, f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    with open(os.path.join(args.out, "bce_models.json"), "w") as f:
        json.dump({"generator": "scripts/golden_bce.py", "torch": torch.__version__, "seed": SEED, "cases": models},
                  f, indent=None, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"{len(cases)} kernel cases, {len(models)} models: "
          + ", ".join(f"{m['name']} losses {[round(v, 5) for v in m['losses']]}" for m in models))


if __name__ == "__main__":
    main()
