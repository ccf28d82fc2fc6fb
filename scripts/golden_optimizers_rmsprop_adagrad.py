#!/usr/bin/python3
"""Golden values for RMSprop and Adagrad: PyTorch 1.13's torch.optim.RMSprop and torch.optim.Adagrad over many steps.

    /usr/bin/python3 scripts/golden_optimizers_rmsprop_adagrad.py [--out Runtime.Tests/Golden/optimizers_rmsprop_adagrad.json]

Closed form, as scripts/golden_optimizer_freezing.py, over TOTAL = 23 elements in three tensors laid out one after the
other, body.weight [11], body.bias [5], head.weight [7] (flat index j over all three):
    p0[j]  = float32(0.8 * sin(0.37 * j + 0.11))
    g_s[j] = float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..STEPS (30)
(magnitudes 1, 1e-2 and 1e-4; the factor changes sign at step 6 and grows to -6, so the averages both rise and decay).

A case with `frozen` true gives no gradient (`.grad` None, as zero_grad(set_to_none=True) leaves a frozen tensor) to
body.weight and body.bias on steps 1-3 and to head.weight on steps 5-6: PyTorch skips them, and their per-parameter
`step` (Adagrad's learning-rate decay) does not advance. A case with `one_cycle` steps an OneCycleLR (PyTorch's
defaults, cycle_momentum on, which cycles RMSprop's `momentum`) after every optimizer step.

`expected`: STEPS rows, row s-1 the 23 values after step s. `state`: the optimizer's state_dict()['state'] after the
last step, each buffer (PyTorch's name) flat over the three tensors, and `step` one count per tensor. `final_lr` and
`final_momentum`: param_groups[0] after the last step. Each float32 is written exactly (as the float64 it converts to).
torch.optim runs its single-tensor (foreach=False) path.
"""
import argparse
import json
import math
import os

import torch

TENSORS = [("body.weight", 11), ("body.bias", 5), ("head.weight", 7)]
TOTAL = sum(n for _, n in TENSORS)
STEPS = 30
FROZEN = {"body.weight": [1, 2, 3], "body.bias": [1, 2, 3], "head.weight": [5, 6]}

CASES = [
    ("rmsprop_default", "rmsprop", dict(), False, None),
    ("rmsprop_weight_decay", "rmsprop", dict(lr=0.02, weight_decay=0.01), False, None),
    ("rmsprop_momentum", "rmsprop", dict(lr=0.005, momentum=0.9), False, None),
    ("rmsprop_centered", "rmsprop", dict(lr=0.01, alpha=0.9, centered=True), False, None),
    ("rmsprop_centered_momentum_wd", "rmsprop", dict(lr=0.005, alpha=0.95, eps=1e-6, weight_decay=1e-3, momentum=0.5, centered=True), False, None),
    ("rmsprop_momentum_frozen", "rmsprop", dict(lr=0.01, momentum=0.8, centered=True), True, None),
    ("rmsprop_one_cycle", "rmsprop", dict(lr=0.01), False, dict(max_lr=0.02, total_steps=STEPS)),
    ("adagrad_default", "adagrad", dict(), False, None),
    ("adagrad_lr_decay", "adagrad", dict(lr=0.1, lr_decay=0.05), False, None),
    ("adagrad_wd_initial_accumulator", "adagrad", dict(lr=0.05, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6), False, None),
    ("adagrad_lr_decay_frozen", "adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=1e-3), True, None),
]

DEFAULTS = {
    "rmsprop": dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
    "adagrad": dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10),
}

BUFFERS = {"rmsprop": ["square_avg", "momentum_buffer", "grad_avg"], "adagrad": ["sum"]}


def flat(formula, total=TOTAL):
    return torch.tensor([formula(j) for j in range(total)], dtype=torch.float32)


def run_steps(make_optimizer, frozen, make_scheduler, tensors=TENSORS, frozen_steps=FROZEN, on_step=None):
    """
    Steps a new optimizer over the tensors STEPS times (a scheduler after each step); returns it and the rows. on_step,
    if given, is called with the optimizer and the parameters after each step (and its scheduler step).
    """
    total = sum(n for _, n in tensors)
    p0 = flat(lambda j: 0.8 * math.sin(0.37 * j + 0.11), total)
    params, start = [], 0
    for _, n in tensors:
        params.append(torch.nn.Parameter(p0[start:start + n].clone()))
        start += n
    optimizer = make_optimizer(params)
    scheduler = make_scheduler(optimizer)
    rows = []
    for step in range(1, STEPS + 1):
        g = flat(lambda j: (1.5 - 0.25 * step) * 10.0 ** (-2 * (j % 3)) * math.sin(0.61 * j + 1.3 * step + 0.2), total)
        start = 0
        for (name, n), p in zip(tensors, params):
            p.grad = None if frozen and step in frozen_steps.get(name, []) else g[start:start + n].clone()
            start += n
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        rows.append([float(v) for p in params for v in p.detach().tolist()])
        if on_step is not None:
            on_step(optimizer, params)
    return optimizer, rows


def final_state(optimizer, buffers, tensors=TENSORS):
    """state_dict()['state']: each buffer every tensor has, flat over the tensors, and the per-tensor steps."""
    state = optimizer.state_dict()["state"]
    final = {}
    for buffer in buffers:
        if all(buffer in state[i] for i in range(len(tensors))):
            final[buffer] = [float(v) for i in range(len(tensors)) for v in state[i][buffer].tolist()]
    final["step"] = [int(float(state[i]["step"])) for i in range(len(tensors))]
    return final


def run(kind, hyper, frozen, one_cycle):
    optimizer, rows = run_steps(
        lambda params: {"rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[kind](params, foreach=False, **hyper),
        frozen,
        lambda optimizer: torch.optim.lr_scheduler.OneCycleLR(optimizer, **one_cycle) if one_cycle else None)
    group = optimizer.param_groups[0]
    return rows, final_state(optimizer, BUFFERS[kind]), group["lr"], group.get("momentum")


def write(path, what, script, cases, tensors=TENSORS, frozen_steps=FROZEN):
    """Writes the golden file: the layout, the closed forms and the cases."""
    document = dict(
        description="PyTorch " + torch.__version__ + " " + what + " steps; see scripts/" + script,
        tensors=[dict(name=name, length=n) for name, n in tensors],
        steps=STEPS,
        frozen=frozen_steps,
        parameters="float32(0.8 * sin(0.37 * j + 0.11)), j over the tensors laid out in order",
        gradient="float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..steps",
        cases=cases,
    )
    with open(path, "w", newline="\n") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print("wrote", path, "with", len(cases), "cases")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Runtime.Tests", "Golden", "optimizers_rmsprop_adagrad.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = []
    for name, kind, overrides, frozen, one_cycle in CASES:
        hyper = dict(DEFAULTS[kind])
        hyper.update(overrides)
        rows, state, lr, momentum = run(kind, hyper, frozen, one_cycle)
        cases.append(dict(
            name=name, optimizer=kind, hyperparameters=hyper, frozen=frozen, one_cycle=one_cycle,
            expected=rows, state=state, final_lr=lr, final_momentum=momentum))

    write(args.out, "RMSprop and Adagrad", "golden_optimizers_rmsprop_adagrad.py", cases)


if __name__ == "__main__":
    main()
