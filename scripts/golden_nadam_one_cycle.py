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
import os

import torch

from golden_optimizers_rmsprop_adagrad import STEPS, final_state, run_steps, write

TENSORS = [("body.weight", 13), ("body.bias", 5), ("head.weight", 7), ("head.bias", 3)]
FROZEN = {"body.bias": [2, 3, 4], "head.weight": [9, 10, 11]}

CASES = [
    ("nadam_one_cycle_weight_decay", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, momentum_decay=4e-3), False,
     dict(max_lr=0.01, total_steps=STEPS)),
    ("nadam_one_cycle_three_phase_frozen", dict(lr=2e-3, betas=(0.9, 0.99), eps=1e-6, weight_decay=1e-3, momentum_decay=4e-3), True,
     dict(max_lr=0.02, total_steps=STEPS, pct_start=0.25, base_momentum=0.8, max_momentum=0.97, three_phase=True)),
]


def run(hyper, frozen, one_cycle):
    rows = dict(exp_avg=[], mu_product=[], beta1=[], lr=[])

    def record(optimizer, params):
        state = [optimizer.state[p] for p in params]
        rows["exp_avg"].append([float(v) for s in state for v in s["exp_avg"].tolist()])
        rows["mu_product"].append([float(s["mu_product"]) for s in state])
        rows["beta1"].append(optimizer.param_groups[0]["betas"][0])
        rows["lr"].append(optimizer.param_groups[0]["lr"])

    optimizer, expected = run_steps(
        lambda params: torch.optim.NAdam(params, foreach=False, **hyper),
        frozen,
        lambda optimizer: torch.optim.lr_scheduler.OneCycleLR(optimizer, **one_cycle),
        tensors=TENSORS, frozen_steps=FROZEN, on_step=record)
    final = final_state(optimizer, ["exp_avg", "exp_avg_sq"], TENSORS)
    state = optimizer.state_dict()["state"]
    final["mu_product"] = [float(state[i]["mu_product"]) for i in range(len(TENSORS))]
    return dict(expected=expected, **rows), final


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

    write(args.out, "NAdam under OneCycleLR (cycle_momentum)", "golden_nadam_one_cycle.py", cases, TENSORS, FROZEN)


if __name__ == "__main__":
    main()
