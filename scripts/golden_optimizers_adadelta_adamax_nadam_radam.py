#!/usr/bin/python3
"""Golden values for Adadelta, Adamax, NAdam and RAdam: PyTorch 1.13's torch.optim optimizers over many steps.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_optimizers_adadelta_adamax_nadam_radam.py \
        [--out Runtime.Tests/Golden/optimizers_adadelta_adamax_nadam_radam.json]

The same closed form as scripts/golden_optimizers_rmsprop_adagrad.py, over TOTAL = 23 elements in three tensors laid
out one after the other, body.weight [11], body.bias [5], head.weight [7] (flat index j over all three):
    p0[j]  = float32(0.8 * sin(0.37 * j + 0.11))
    g_s[j] = float32((1.5 - 0.25 * s) * 10^-(2 * (j % 3)) * sin(0.61 * j + 1.3 * s + 0.2)), s = 1..STEPS (30)

A case with `frozen` true gives no gradient (`.grad` None) to body.weight and body.bias on steps 1-3 and to
head.weight on steps 5-6: PyTorch skips them, and their per-parameter `step` (the bias corrections, NAdam's
`mu_product`, RAdam's rectification threshold) does not advance. A case with `step_lr` steps a
StepLR(step_size, gamma) after every optimizer step (pytorch/examples' MNIST script runs Adadelta with StepLR). A case
with `one_cycle` steps a OneCycleLR(max_lr, total_steps, ...) after every optimizer step instead: it cycles the rate and
betas[0] (cycle_momentum, the default), and `beta1` records the optimizer's betas[0] after each step.

`expected`: STEPS rows, row s-1 the 23 values after step s. `state`: the optimizer's state_dict()['state'] after the
last step, each buffer (PyTorch's name) flat over the three tensors, `step` one count per tensor and, for NAdam,
`mu_product` one float32 per tensor. `final_lr`: param_groups[0]['lr'] after the last step. RAdam cases record
`first_rectified_step`, the first step whose rho_t exceeds 5 (the first that uses the adaptive rate). Each float32 is
written exactly (as the float64 it converts to). torch.optim runs its single-tensor (foreach=False) path.
"""
import argparse
import os

import torch

from golden_optimizers_rmsprop_adagrad import STEPS, TENSORS, final_state, run_steps, write

CASES = [
    ("adadelta_default", "adadelta", dict(), False, None),
    ("adadelta_rho_eps_weight_decay", "adadelta", dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01), False, None),
    ("adadelta_frozen", "adadelta", dict(lr=1.0, weight_decay=1e-3), True, None),
    ("adadelta_step_lr", "adadelta", dict(lr=1.0), False, dict(step_size=5, gamma=0.7)),
    ("adamax_default", "adamax", dict(), False, None),
    ("adamax_betas_eps_weight_decay", "adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01), False, None),
    ("adamax_frozen", "adamax", dict(lr=0.005, weight_decay=1e-3), True, None),
    ("nadam_default", "nadam", dict(), False, None),
    ("nadam_momentum_decay_weight_decay", "nadam", dict(lr=0.01, betas=(0.85, 0.995), eps=1e-6, weight_decay=0.01, momentum_decay=0.01), False, None),
    ("nadam_frozen", "nadam", dict(lr=0.005, weight_decay=1e-3), True, None),
    ("radam_default", "radam", dict(), False, None),
    ("radam_betas_eps_weight_decay", "radam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.01), False, None),
    ("radam_frozen", "radam", dict(lr=0.005, weight_decay=1e-3), True, dict(step_size=10, gamma=0.5)),
    ("adamax_one_cycle", "adamax", dict(weight_decay=1e-3), False, None, dict(max_lr=0.01, total_steps=30)),
    ("radam_one_cycle", "radam", dict(betas=(0.9, 0.99)), True, None, dict(max_lr=0.02, total_steps=30, pct_start=0.4, base_momentum=0.8, max_momentum=0.97)),
]

DEFAULTS = {
    "adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0),
    "adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
    "nadam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3),
    "radam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
}

OPTIMIZERS = {"adadelta": torch.optim.Adadelta, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam}
BUFFERS = {"adadelta": ["square_avg", "acc_delta"], "adamax": ["exp_avg", "exp_inf"], "nadam": ["exp_avg", "exp_avg_sq"], "radam": ["exp_avg", "exp_avg_sq"]}


def first_rectified_step(beta2):
    """RAdam 1.13's threshold: the first step t with rho_t > 5, computed as _single_tensor_radam does."""
    rho_inf = 2 / (1 - beta2) - 1
    for step in range(1, STEPS + 1):
        rho_t = rho_inf - 2 * float(step) * (beta2 ** float(step)) / (1 - beta2 ** float(step))
        if rho_t > 5.:
            return step
    raise AssertionError("RAdam never rectifies within the steps")


def make_scheduler(optimizer, step_lr, one_cycle):
    if one_cycle:
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, **one_cycle)
    return torch.optim.lr_scheduler.StepLR(optimizer, **step_lr) if step_lr else None


def run(kind, hyper, frozen, step_lr, one_cycle):
    beta1 = []

    def make(optimizer):
        scheduler = make_scheduler(optimizer, step_lr, one_cycle)
        if not one_cycle:
            return scheduler
        step = scheduler.step

        def step_and_record():
            step()
            beta1.append(optimizer.param_groups[0]["betas"][0])
        scheduler.step = step_and_record
        return scheduler

    optimizer, rows = run_steps(lambda params: OPTIMIZERS[kind](params, foreach=False, **hyper), frozen, make)
    final = final_state(optimizer, BUFFERS[kind])
    assert all(buffer in final for buffer in BUFFERS[kind])
    if kind == "nadam":
        state = optimizer.state_dict()["state"]
        final["mu_product"] = [float(state[i]["mu_product"]) for i in range(len(TENSORS))]
    return rows, final, optimizer.param_groups[0]["lr"], beta1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "Runtime.Tests", "Golden", "optimizers_adadelta_adamax_nadam_radam.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    cases = []
    for name, kind, overrides, frozen, step_lr, *rest in CASES:
        one_cycle = rest[0] if rest else None
        hyper = dict(DEFAULTS[kind])
        hyper.update(overrides)
        rows, state, lr, beta1 = run(kind, hyper, frozen, step_lr, one_cycle)
        case = dict(name=name, optimizer=kind, hyperparameters=hyper, frozen=frozen, step_lr=step_lr, expected=rows, state=state, final_lr=lr)
        if one_cycle:
            case.update(one_cycle=one_cycle, beta1=beta1)
        if kind == "radam":
            case["first_rectified_step"] = first_rectified_step(hyper["betas"][1])
        cases.append(case)

    write(args.out, "Adadelta, Adamax, NAdam and RAdam", "golden_optimizers_adadelta_adamax_nadam_radam.py", cases)


if __name__ == "__main__":
    main()
