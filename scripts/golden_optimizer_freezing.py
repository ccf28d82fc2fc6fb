#!/usr/bin/python3
"""Golden values for per-parameter optimizer state: PyTorch 1.13's SGD, Adam and AdamW when tensors are frozen for
some steps, and when SGD's momentum is switched on after some steps.

    /usr/bin/python3 scripts/golden_optimizer_freezing.py [--out Runtime.Tests/Golden/optimizer_freezing.json]

PyTorch keeps a state per parameter: Adam's `step` (its bias correction) advances only on steps where the parameter
has a gradient, and SGD's `momentum_buffer` is created from the gradient itself (not dampened) the first time the
parameter steps with momentum. A tensor frozen with requires_grad_(False) has no gradient (`.grad` is None, as
zero_grad(set_to_none=True) leaves it), so the optimizer skips it. Fine-tuning unfreezes a pretrained body after its head
has trained: the body then starts at step 1.

Closed form, as scripts/golden_optimizers.py, over TOTAL = 23 elements in three tensors laid out one after the other,
body.weight [11], body.bias [5], head.weight [7] (flat index j over all three):
    p0[j]  = float32(0.8 * sin(0.37 * j + 0.11))
    g_s[j] = float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..STEPS (8)
Frozen (no gradient): body.weight and body.bias on steps 1-3, head.weight on steps 5-6. SGD cases with
`momentum_from` run with momentum 0 until that step, then with the case's momentum (param_groups[0]['momentum'] set
before the step, as a one-cycle schedule does). `expected`: STEPS rows, row s-1 the 23 values after step s.
"""
import argparse
import json
import math
import os

import torch

TENSORS = [("body.weight", 11), ("body.bias", 5), ("head.weight", 7)]
TOTAL = sum(n for _, n in TENSORS)
STEPS = 8
FROZEN = {"body.weight": [1, 2, 3], "body.bias": [1, 2, 3], "head.weight": [5, 6]}

CASES = [
    ("adam_default", "adam", dict(lr=1e-2), None),
    ("adam_wd_amsgrad", "adam", dict(lr=1e-2, weight_decay=0.01, amsgrad=True), None),
    ("adamw_wd", "adamw", dict(lr=1e-2, weight_decay=0.01), None),
    ("sgd_momentum_dampening", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01), None),
    ("sgd_nesterov", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True), None),
    ("sgd_momentum_from_step_3", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.5), 3),
]

DEFAULTS = {
    "sgd": dict(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0),
    "adam": dict(betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, amsgrad=False),
    "adamw": dict(betas=[0.9, 0.999], eps=1e-8, weight_decay=0.01, amsgrad=False),
}


def flat(formula):
    return torch.tensor([formula(j) for j in range(TOTAL)], dtype=torch.float32)


def run(kind, hyper, momentum_from):
    p0 = flat(lambda j: 0.8 * math.sin(0.37 * j + 0.11))
    params, start = [], 0
    for _, n in TENSORS:
        params.append(torch.nn.Parameter(p0[start:start + n].clone()))
        start += n
    settings = dict(hyper)
    if momentum_from is not None:
        settings["momentum"] = 0.0
    optimizer = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind](params, foreach=False, **settings)
    rows = []
    for step in range(1, STEPS + 1):
        if momentum_from is not None and step == momentum_from:
            optimizer.param_groups[0]["momentum"] = hyper["momentum"]
        g = flat(lambda j: (1.5 - 0.25 * step) * 10.0 ** (-2 * (j % 3)) * math.sin(0.61 * j + 1.3 * step + 0.2))
        start = 0
        for (name, n), p in zip(TENSORS, params):
            p.grad = None if step in FROZEN.get(name, []) else g[start:start + n].clone()
            start += n
        optimizer.step()
        rows.append([float(v) for p in params for v in p.detach().tolist()])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Runtime.Tests", "Golden", "optimizer_freezing.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = []
    for name, kind, overrides, momentum_from in CASES:
        hyper = dict(DEFAULTS[kind])
        hyper.update(overrides)
        cases.append(dict(name=name, optimizer=kind, hyperparameters=hyper, momentum_from=momentum_from, expected=run(kind, hyper, momentum_from)))

    document = dict(
        description="PyTorch " + torch.__version__ + " optimizer steps with frozen tensors; see scripts/golden_optimizer_freezing.py",
        tensors=[dict(name=name, length=n) for name, n in TENSORS],
        steps=STEPS,
        frozen=FROZEN,
        parameters="float32(0.8 * sin(0.37 * j + 0.11)), j over the tensors laid out in order",
        gradient="float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..steps",
        cases=cases,
    )
    with open(args.out, "w", newline="\n") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print("wrote", args.out, "with", len(cases), "cases")


if __name__ == "__main__":
    main()
