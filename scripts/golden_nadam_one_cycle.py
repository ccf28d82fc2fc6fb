#!/usr/bin/python3
"""Golden values for NAdam under OneCycleLR: PyTorch 1.13's torch.optim.NAdam with its betas[0] cycled, step by step.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_nadam_one_cycle.py [--out Runtime.Tests/Golden/nadam_one_cycle.json]

OneCycleLR(cycle_momentum=True, the default) sets group['betas'] = (momentum, beta2) after every step (NAdam's
defaults hold 'betas'); NAdam 1.13 computes mu and mu_next from the group's beta1 of the step and multiplies each
parameter's 0-dim float32 `mu_product` by mu, so `mu_product` depends on the beta1 of every step the parameter took.

The closed form of scripts/golden_optimizers_rmsprop_adagrad.py, over TOTAL = 28 elements in four tensors of odd sizes
laid out one after the other, body.weight [13], body.bias [5], head.weight [7], head.bias [3] (flat index j over all):
    p0[j]  = float32(0.8 * sin(0.37 * j + 0.11))
    g_s[j] = float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..STEPS (30)

A case with `frozen` true gives no gradient (`.grad` None) to body.bias on steps 2-4 and to head.weight on steps 9-11:
from step 11 on the two neighbours have taken as many steps, but under different beta1s, so their `mu_product`s differ.

Per case, each a list of STEPS rows (row s-1 after optimizer step s and the scheduler step that follows it):
`expected` the 28 parameter values, `exp_avg` the 28 first moments, `mu_product` one float32 per tensor, `beta1` the
group's betas[0] (the schedule's float64, the one the next optimizer step uses), `lr` the group's lr. `state`: the
optimizer's state_dict()['state'] after the last step (exp_avg, exp_avg_sq flat over the tensors, `step` and
`mu_product` one per tensor). Each float32 is written exactly (as the float64 it converts to). torch.optim runs its
single-tensor (foreach=False) path.
"""
import argparse
import json
import math
import os

import torch

TENSORS = [("body.weight", 13), ("body.bias", 5), ("head.weight", 7), ("head.bias", 3)]
TOTAL = sum(n for _, n in TENSORS)
STEPS = 30
FROZEN = {"body.bias": [2, 3, 4], "head.weight": [9, 10, 11]}

CASES = [
    ("nadam_one_cycle_weight_decay", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, momentum_decay=4e-3), False,
     dict(max_lr=0.01, total_steps=STEPS)),
    ("nadam_one_cycle_three_phase_frozen", dict(lr=2e-3, betas=(0.9, 0.99), eps=1e-6, weight_decay=1e-3, momentum_decay=4e-3), True,
     dict(max_lr=0.02, total_steps=STEPS, pct_start=0.25, base_momentum=0.8, max_momentum=0.97, three_phase=True)),
]


def flat(formula):
    return torch.tensor([formula(j) for j in range(TOTAL)], dtype=torch.float32)


def run(hyper, frozen, one_cycle):
    p0 = flat(lambda j: 0.8 * math.sin(0.37 * j + 0.11))
    params, start = [], 0
    for _, n in TENSORS:
        params.append(torch.nn.Parameter(p0[start:start + n].clone()))
        start += n
    optimizer = torch.optim.NAdam(params, foreach=False, **hyper)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, **one_cycle)
    rows = dict(expected=[], exp_avg=[], mu_product=[], beta1=[], lr=[])
    for step in range(1, STEPS + 1):
        g = flat(lambda j: (1.5 - 0.25 * step) * 10.0 ** (-2 * (j % 3)) * math.sin(0.61 * j + 1.3 * step + 0.2))
        start = 0
        for (name, n), p in zip(TENSORS, params):
            p.grad = None if frozen and step in FROZEN.get(name, []) else g[start:start + n].clone()
            start += n
        optimizer.step()
        scheduler.step()
        state = [optimizer.state[p] for p in params]
        rows["expected"].append([float(v) for p in params for v in p.detach().tolist()])
        rows["exp_avg"].append([float(v) for s in state for v in s["exp_avg"].tolist()])
        rows["mu_product"].append([float(s["mu_product"]) for s in state])
        rows["beta1"].append(optimizer.param_groups[0]["betas"][0])
        rows["lr"].append(optimizer.param_groups[0]["lr"])
    state = optimizer.state_dict()["state"]
    final = {b: [float(v) for i in range(len(TENSORS)) for v in state[i][b].tolist()] for b in ("exp_avg", "exp_avg_sq")}
    final["step"] = [int(float(state[i]["step"])) for i in range(len(TENSORS))]
    final["mu_product"] = [float(state[i]["mu_product"]) for i in range(len(TENSORS))]
    return rows, final


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Runtime.Tests", "Golden", "nadam_one_cycle.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = []
    for name, hyper, frozen, one_cycle in CASES:
        rows, state = run(hyper, frozen, one_cycle)
        cases.append(dict(name=name, optimizer="nadam", hyperparameters=hyper, frozen=frozen, one_cycle=one_cycle, state=state, **rows))

    document = dict(
        description="PyTorch " + torch.__version__ + " NAdam under OneCycleLR (cycle_momentum) steps; see scripts/golden_nadam_one_cycle.py",
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
