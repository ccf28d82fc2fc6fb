#!/usr/bin/python3
"""Golden values of PyTorch's elementwise activations for Runtime.Tests/Kernels/ElementwiseActivationTests.cs.

Every case is one torch.nn.functional activation (with its options) applied to 785 fixed float32 inputs:
first the boundaries (0, -0, +-3 and their neighbours, +-threshold/beta and neighbours (+-6 for ReLU6), tiny and large
magnitudes, NaN, +-infinity), then seeded normal values of several scales. Autograd gives the input
gradient for a seeded upstream gradient. Everything is float32 on the CPU, as StaticGrad computes it.

PyTorch 1.13's CPU kernels handle the last len % 16 elements with their scalar loop and the rest with the
vectorized one, and the two differ at a few boundaries (hardswish_backward at exactly 3 and at NaN, elu at
tiny |x|), so the boundaries come first: every stored boundary value went through the vectorized kernel,
which is what any tensor of realistic size gets.

Writes Runtime.Tests/Golden/activations.json. Deterministic.

    /usr/bin/python3 scripts/golden_activations.py     # --out DIR, default Runtime.Tests/Golden
"""

import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

SEED = 20241202
LENGTH = 785


def number(x):
    """JSON has no NaN or infinity: those become strings the C# side parses."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def neighbours(v):
    v = torch.tensor([v], dtype=torch.float32)
    return [torch.nextafter(v, torch.tensor([-math.inf])).item(), v.item(), torch.nextafter(v, torch.tensor([math.inf])).item()]


def inputs(gen, beta, threshold):
    special = [0.0, -0.0, 1e-4, -1e-4, 1e-8, -1e-8, 1e-30, -1e-30, 0.5, -0.5, 1.0, -1.0]
    special += neighbours(3.0) + neighbours(-3.0)
    special += neighbours(threshold / beta) + neighbours(-threshold / beta)
    special += [5.0, -5.0, 9.0, -9.0, 15.0, -15.0, 50.0, -50.0, 88.0, -88.0, 100.0, -100.0, 1e4, -1e4, 3e38, -3e38]
    special += [math.nan, math.inf, -math.inf]
    count = LENGTH - len(special)
    scales = torch.tensor([0.1, 1.0, 3.0, 10.0], dtype=torch.float64).repeat_interleave(math.ceil(count / 4))[:count]
    rest = (torch.randn(count, generator=gen, dtype=torch.float64) * scales).to(torch.float32)
    return torch.cat([torch.tensor(special, dtype=torch.float32), rest])


def cases():
    yield "relu", "ReLU", 0.0, 0.0, F.relu
    yield "sigmoid", "Sigmoid", 0.0, 0.0, torch.sigmoid
    yield "tanh", "Tanh", 0.0, 0.0, torch.tanh
    for slope in (0.01, 0.2, -0.5):
        yield f"leaky_relu_{slope}", "LeakyReLU", slope, 0.0, lambda x, s=slope: F.leaky_relu(x, s)
    for alpha in (1.0, 0.5, 2.0):
        yield f"elu_{alpha}", "ELU", alpha, 0.0, lambda x, a=alpha: F.elu(x, a)
    yield "gelu", "GELU", 0.0, 0.0, lambda x: F.gelu(x, approximate="none")
    yield "gelu_tanh", "GELUTanh", 0.0, 0.0, lambda x: F.gelu(x, approximate="tanh")
    yield "silu", "SiLU", 0.0, 0.0, F.silu
    for beta, threshold in ((1.0, 20.0), (2.0, 20.0), (0.5, 5.0), (1.0, 1.0)):
        yield f"softplus_{beta}_{threshold}", "Softplus", beta, threshold, lambda x, b=beta, t=threshold: F.softplus(x, b, t)
    yield "hardswish", "Hardswish", 0.0, 0.0, F.hardswish
    yield "relu6", "ReLU6", 0.0, 0.0, F.relu6
    yield "hardsigmoid", "Hardsigmoid", 0.0, 0.0, F.hardsigmoid


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = []
    for name, kind, alpha, threshold, f in cases():
        gen = torch.Generator().manual_seed(SEED)
        beta = alpha if kind == "Softplus" else 1.0
        # The boundaries at +-threshold/beta: Softplus's own, ReLU6's 6, else 20 (a large value).
        x = inputs(gen, beta, threshold if kind == "Softplus" else 6.0 if kind == "ReLU6" else 20.0).requires_grad_(True)
        g = torch.randn(LENGTH, generator=gen, dtype=torch.float64).to(torch.float32)
        y = f(x)
        y.backward(g)
        out.append({
            "name": name,
            "activation": kind,
            "alpha": alpha,
            "threshold": threshold,
            "x": [number(v) for v in x.detach().tolist()],
            "upstream": [number(v) for v in g.tolist()],
            "y": [number(v) for v in y.detach().tolist()],
            "gradient": [number(v) for v in x.grad.tolist()],
        })
    path = os.path.join(args.out, "activations.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"torch": torch.__version__, "length": LENGTH, "cases": out}, file, separators=(",", ":"))
        file.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
