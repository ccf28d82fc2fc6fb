#!/usr/bin/python3
"""Golden values for the optimizers: PyTorch 1.13's SGD, Adam and AdamW on one closed-form problem.

    /usr/bin/python3 scripts/golden_optimizers.py [--out Runtime.Tests/Golden/optimizers.json]

Everything is closed-form, so the C# test (Runtime.Tests/Optimizers/OptimizerGoldenTests.cs)
rebuilds the inputs from the same formulas (evaluated in float64, then rounded to float32):

  parameters (one tensor of LENGTH = 37 elements):
      p0[j]   = float32(0.8 * sin(0.37 * j + 0.11))
  gradient before step s (s = 1..STEPS, STEPS = 5), the same tensor is assigned to .grad:
      g_s[j]  = float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2))
  (magnitudes 1, 1e-2 and 1e-4, shrinking over the steps so AMSGrad's running max matters).
A case with its own `length` and `steps` (the `_long` ones: 259 elements, so PyTorch's vector loop and its
scalar tail both run, over 30 steps, the gradient's factor changing sign at s = 6) overrides the file's.
A case with `one_cycle` or `step_lr` steps that scheduler (OneCycleLR, cycling betas[0] too, or StepLR) after every
optimizer step: Adam and AdamW compute lr / (1 - beta1^t) and 1 - beta1 from the group's float64 values, which a
schedule sets to numbers a float32 cannot hold.

For each case the file holds the hyperparameters (PyTorch names, as decimals) and `expected`:
STEPS rows, row s-1 being the parameters after step s, each float32 value written exactly
(as the float64 it converts to). torch.optim runs its default single-tensor (foreach=False) path.
"""
import argparse
import json
import math
import os

import torch

LENGTH = 37
STEPS = 5

CASES = [
    ("sgd_plain", "sgd", dict(lr=0.1)),
    ("sgd_momentum_dampening_wd", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd_nesterov_wd", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("adam_default", "adam", dict(lr=1e-3)),
    ("adam_wd_amsgrad", "adam", dict(lr=1e-2, weight_decay=0.01, amsgrad=True)),
    ("adamw_wd", "adamw", dict(lr=1e-2, weight_decay=0.01)),
    ("adam_long", "adam", dict(lr=1e-3), dict(length=259, steps=30)),
    ("adam_long_wd_amsgrad", "adam", dict(lr=1e-2, betas=[0.8, 0.99], weight_decay=0.05, amsgrad=True), dict(length=259, steps=30)),
    ("adamw_long_amsgrad", "adamw", dict(lr=3e-3, weight_decay=0.1, amsgrad=True), dict(length=259, steps=30)),
    ("adam_long_one_cycle", "adam", dict(lr=1e-3), dict(length=259, steps=30, one_cycle=dict(max_lr=0.01, total_steps=30))),
    ("adamw_long_step_lr", "adamw", dict(lr=3e-3, weight_decay=0.05), dict(length=259, steps=30, step_lr=dict(step_size=4, gamma=0.7))),
    # Less common options over 30 steps: SGD's dampening (1 freezes the buffer at the first gradient), nesterov with
    # weight decay, weight decay without momentum, momentum 1; Adam with beta1 0 or eps 0, AdamW with amsgrad and a
    # large decay under StepLR.
    ("sgd_long_momentum_dampening_wd", "sgd", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01), dict(length=259, steps=30)),
    ("sgd_long_dampening_one", "sgd", dict(lr=0.05, momentum=0.5, dampening=1.0), dict(length=259, steps=30)),
    ("sgd_long_nesterov_wd", "sgd", dict(lr=0.02, momentum=0.95, nesterov=True, weight_decay=5e-3), dict(length=259, steps=30)),
    ("sgd_long_wd_without_momentum", "sgd", dict(lr=0.1, weight_decay=0.2), dict(length=259, steps=30)),
    ("sgd_long_momentum_one", "sgd", dict(lr=0.01, momentum=1.0), dict(length=259, steps=30)),
    ("sgd_long_step_lr", "sgd", dict(lr=0.1, momentum=0.9, weight_decay=1e-3), dict(length=259, steps=30, step_lr=dict(step_size=7, gamma=0.3))),
    ("adam_long_beta1_zero", "adam", dict(lr=1e-2, betas=[0.0, 0.999]), dict(length=259, steps=30)),
    ("adam_long_eps_zero_amsgrad", "adam", dict(lr=1e-3, eps=0.0, amsgrad=True), dict(length=259, steps=30)),
    ("adamw_long_amsgrad_big_decay_step_lr", "adamw", dict(lr=1e-2, weight_decay=0.9, amsgrad=True),
     dict(length=259, steps=30, step_lr=dict(step_size=5, gamma=0.5))),
]

DEFAULTS = {
    "sgd": dict(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0),
    "adam": dict(betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, amsgrad=False),
    "adamw": dict(betas=[0.9, 0.999], eps=1e-8, weight_decay=0.01, amsgrad=False),
}


def initial_parameters(length):
    return torch.tensor([0.8 * math.sin(0.37 * j + 0.11) for j in range(length)], dtype=torch.float32)


def gradient(step, length):
    return torch.tensor(
        [(1.5 - 0.25 * step) * 10.0 ** (-2 * (j % 3)) * math.sin(0.61 * j + 1.3 * step + 0.2) for j in range(length)],
        dtype=torch.float32)


def run(kind, hyper, length, steps, one_cycle=None, step_lr=None):
    param = torch.nn.Parameter(initial_parameters(length))
    if kind == "sgd":
        opt = torch.optim.SGD([param], foreach=False, **hyper)
    elif kind == "adam":
        opt = torch.optim.Adam([param], foreach=False, **hyper)
    else:
        opt = torch.optim.AdamW([param], foreach=False, **hyper)
    scheduler = None
    if one_cycle:
        scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, **one_cycle)
    elif step_lr:
        scheduler = torch.optim.lr_scheduler.StepLR(opt, **step_lr)
    rows = []
    for step in range(1, steps + 1):
        param.grad = gradient(step, length)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        rows.append([float(v) for v in param.detach().tolist()])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Runtime.Tests", "Golden", "optimizers.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = []
    for name, kind, overrides, *size in CASES:
        hyper = dict(DEFAULTS[kind])
        hyper.update(overrides)
        shape = size[0] if size else dict(length=LENGTH, steps=STEPS)
        case = dict(name=name, optimizer=kind, hyperparameters=hyper)
        if size:
            case.update(shape)
        case["expected"] = run(kind, hyper, shape["length"], shape["steps"], shape.get("one_cycle"), shape.get("step_lr"))
        cases.append(case)

    document = dict(
        description="PyTorch " + torch.__version__ + " optimizer steps; see scripts/golden_optimizers.py",
        length=LENGTH,
        steps=STEPS,
        parameters="float32(0.8 * sin(0.37 * j + 0.11))",
        gradient="float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..steps",
        cases=cases,
    )
    with open(args.out, "w", newline="\n") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print("wrote", args.out, "with", len(cases), "cases")


if __name__ == "__main__":
    main()
