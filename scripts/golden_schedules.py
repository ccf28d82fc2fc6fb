#!/usr/bin/python3
"""Golden learning-rate sequences from PyTorch 1.13's torch.optim.lr_scheduler.

    /usr/bin/python3 scripts/golden_schedules.py [--out Runtime.Tests/Golden/schedules.json]

Each case wraps a fresh SGD optimizer over one parameter with lr = LR (0.1), builds the scheduler(s)
with the parameters listed in the case (PyTorch names), and records `lrs`: the learning rate of the
parameter group (a Python float, i.e. float64, written exactly by json) after construction, then after
each of `steps` calls to `scheduler.step()` (ReduceLROnPlateau: `step(metrics[i])`). The C# tests
(Runtime.Tests/Schedules/ScheduleGoldenTests.cs) build the same schedules and compare step by step.
The OneCycleLR and CyclicLR cases with `cycle_momentum` (PyTorch's default) run over SGD with momentum 0.9 (OneCycleLR
also over Adam) and also record `momentums`: the group's momentum (SGD) or betas[0] (Adam) after construction and each
step (also when the cycling scheduler is wrapped in a SequentialLR). LambdaLR and MultiplicativeLR cases name their
function in LAMBDAS.
"""
import argparse
import json
import math
import os

import torch
from torch.optim import lr_scheduler as S

LR = 0.1


def optimizer(kind="sgd"):
    parameters = [torch.nn.Parameter(torch.zeros(1))]
    if kind == "adam":
        return torch.optim.Adam(parameters, lr=LR)
    if kind == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=LR)
    return torch.optim.SGD(parameters, lr=LR, momentum=0.9 if kind == "sgd_momentum" else 0.0)


def momentum(opt):
    group = opt.param_groups[0]
    return float(group["betas"][0]) if "betas" in group else float(group["momentum"])


def make(opt, spec):
    kind, kw = spec["kind"], dict(spec["params"])
    if kind == "step":
        return S.StepLR(opt, **kw)
    if kind == "multistep":
        return S.MultiStepLR(opt, **kw)
    if kind == "exponential":
        return S.ExponentialLR(opt, **kw)
    if kind == "cosine":
        return S.CosineAnnealingLR(opt, **kw)
    if kind == "linear":
        return S.LinearLR(opt, **kw)
    if kind == "onecycle":
        cycle = kw.pop("cycle_momentum", False)
        return S.OneCycleLR(opt, cycle_momentum=cycle, **kw)
    if kind == "plateau":
        return S.ReduceLROnPlateau(opt, **kw)
    if kind == "constant":
        return S.ConstantLR(opt, **kw)
    if kind == "polynomial":
        return S.PolynomialLR(opt, **kw)
    if kind == "lambda":
        return S.LambdaLR(opt, LAMBDAS[kw["fn"]])
    if kind == "multiplicative":
        return S.MultiplicativeLR(opt, LAMBDAS[kw["fn"]])
    if kind == "cyclic":
        return S.CyclicLR(opt, **kw)
    if kind == "warm_restarts":
        return S.CosineAnnealingWarmRestarts(opt, **kw)
    if kind == "sequential":
        children = [make(opt, c) for c in kw["schedulers"]]
        return S.SequentialLR(opt, children, milestones=kw["milestones"])
    if kind == "chained":
        return S.ChainedScheduler([make(opt, c) for c in kw["schedulers"]])
    raise ValueError(kind)


# The lr_lambda functions of the LambdaLR and MultiplicativeLR cases, by name (the C# tests build the same ones).
LAMBDAS = {
    "pow095": lambda epoch: 0.95 ** epoch,
    "warmup5": lambda epoch: min(1.0, (epoch + 1) / 5),
    "halve_every_3": lambda epoch: 0.5 if epoch % 3 == 0 else 1.0,
    "inverse_sqrt": lambda epoch: 1.0 / math.sqrt(epoch + 1),
}


def spec(kind, **params):
    return {"kind": kind, "params": params}


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49995, 0.4, 0.41, 0.42,
                   0.43, 0.44, 0.45, 0.46, 0.47, 0.48, 0.49, 0.5, 0.51]
PLATEAU_MAX_METRICS = [0.1, 0.2, 0.2, 0.25, 0.29, 0.3, 0.3, 0.31, 0.9, 0.9, 0.9, 0.9, 0.95, 0.95, 0.95, 0.95,
                       0.95, 0.95, 0.95, 0.95]

PLATEAU_LONG_METRICS = [1.0 / (1 + 0.1 * i) if i < 20 else 0.5 + 0.001 * ((i * 7) % 5) for i in range(60)]

CASES = [
    ("step", spec("step", step_size=3, gamma=0.5), 12),
    ("multistep_repeated_milestone", spec("multistep", milestones=[2, 5, 5, 9], gamma=0.3), 12),
    ("exponential", spec("exponential", gamma=0.9), 12),
    ("cosine_past_tmax", spec("cosine", T_max=6, eta_min=0.01), 26),
    ("cosine_zero_min", spec("cosine", T_max=7), 9),
    ("linear_warmup", spec("linear", start_factor=0.1, total_iters=5), 10),
    ("linear_decay", spec("linear", start_factor=1.0, end_factor=0.25, total_iters=7), 10),
    ("onecycle_cos", spec("onecycle", max_lr=0.5, total_steps=20, pct_start=0.3), 20),
    ("onecycle_linear", spec("onecycle", max_lr=0.8, total_steps=17, pct_start=0.25, anneal_strategy="linear",
                             div_factor=10.0, final_div_factor=100.0), 16),
    ("onecycle_three_phase", spec("onecycle", max_lr=0.3, total_steps=23, pct_start=0.35, three_phase=True), 23),
    ("onecycle_momentum_sgd", spec("onecycle", max_lr=0.5, total_steps=20, pct_start=0.3, cycle_momentum=True), 20),
    ("onecycle_momentum_adam_linear_three_phase", spec("onecycle", max_lr=0.3, total_steps=23, pct_start=0.35, anneal_strategy="linear",
                                                      three_phase=True, cycle_momentum=True, base_momentum=0.8, max_momentum=0.9), 22),
    ("plateau_min_rel_cooldown", spec("plateau", mode="min", factor=0.5, patience=2, threshold=1e-3,
                                      threshold_mode="rel", cooldown=2, min_lr=0.02), PLATEAU_METRICS),
    ("plateau_max_abs", spec("plateau", mode="max", factor=0.3, patience=1, threshold=0.02,
                             threshold_mode="abs", min_lr=0.005), PLATEAU_MAX_METRICS),
    ("plateau_min_abs_eps", spec("plateau", mode="min", factor=0.9, patience=0, threshold=0.0,
                                 threshold_mode="abs", eps=0.05), PLATEAU_METRICS),
    ("sequential_warmup_cosine", spec("sequential", milestones=[4], schedulers=[
        spec("linear", start_factor=0.1, total_iters=4), spec("cosine", T_max=8, eta_min=0.001)]), 16),
    ("sequential_three", spec("sequential", milestones=[3, 7], schedulers=[
        spec("linear", start_factor=0.25, total_iters=3), spec("exponential", gamma=0.8),
        spec("step", step_size=2, gamma=0.5)]), 12),
    ("chained_warmup_exponential", spec("chained", schedulers=[
        spec("linear", start_factor=0.2, total_iters=3), spec("exponential", gamma=0.9)]), 10),
    ("warm_restarts", spec("warm_restarts", T_0=5, eta_min=0.01), 23),
    ("warm_restarts_mult2", spec("warm_restarts", T_0=3, T_mult=2, eta_min=0.001), 50),
    ("warm_restarts_t0_1_mult3", spec("warm_restarts", T_0=1, T_mult=3), 45),
    ("sequential_warmup_warm_restarts", spec("sequential", milestones=[3], schedulers=[
        spec("linear", start_factor=0.1, total_iters=3), spec("warm_restarts", T_0=4, T_mult=2, eta_min=0.002)]), 30),
    ("sequential_warm_restarts_then_exponential", spec("sequential", milestones=[7], schedulers=[
        spec("warm_restarts", T_0=3), spec("exponential", gamma=0.8)]), 12),
    ("chained_warm_restarts_exponential", spec("chained", schedulers=[
        spec("warm_restarts", T_0=4, eta_min=0.005), spec("exponential", gamma=0.9)]), 14),
    ("chained_exponential_warm_restarts", spec("chained", schedulers=[
        spec("exponential", gamma=0.9), spec("warm_restarts", T_0=4, T_mult=2)]), 14),
    ("constant_defaults", spec("constant"), 9),
    ("constant_zero_iters", spec("constant", factor=0.5, total_iters=0), 6),
    ("constant_factor_one", spec("constant", factor=1.0, total_iters=3), 6),
    ("polynomial_defaults", spec("polynomial"), 8),
    ("polynomial_power2", spec("polynomial", total_iters=7, power=2.0), 10),
    ("polynomial_power_half", spec("polynomial", total_iters=6, power=0.5), 9),
    ("polynomial_power0", spec("polynomial", total_iters=4, power=0.0), 6),
    ("sequential_constant_polynomial", spec("sequential", milestones=[4], schedulers=[
        spec("constant", factor=0.25, total_iters=3), spec("polynomial", total_iters=6, power=1.5)]), 12),
    ("sequential_polynomial_constant", spec("sequential", milestones=[5], schedulers=[
        spec("polynomial", total_iters=5, power=2.0), spec("constant", factor=0.3, total_iters=2)]), 9),
    ("chained_constant_polynomial", spec("chained", schedulers=[
        spec("constant", factor=0.5, total_iters=4), spec("polynomial", total_iters=8, power=2.0)]), 12),
    ("lambda_pow", spec("lambda", fn="pow095"), 15),
    ("lambda_warmup", spec("lambda", fn="warmup5"), 8),
    ("multiplicative_pow", spec("multiplicative", fn="pow095"), 12),
    ("multiplicative_halve_every_3", spec("multiplicative", fn="halve_every_3"), 10),
    ("sequential_lambda_multiplicative", spec("sequential", milestones=[5], schedulers=[
        spec("lambda", fn="warmup5"), spec("multiplicative", fn="inverse_sqrt")]), 12),
    ("sequential_multiplicative_lambda", spec("sequential", milestones=[4], schedulers=[
        spec("multiplicative", fn="halve_every_3"), spec("lambda", fn="pow095")]), 10),
    ("chained_lambda_multiplicative", spec("chained", schedulers=[
        spec("lambda", fn="warmup5"), spec("multiplicative", fn="pow095")]), 10),
    ("sequential_exponential_constant_zero_iters", spec("sequential", milestones=[3], schedulers=[
        spec("exponential", gamma=0.9), spec("constant", factor=0.5, total_iters=0)]), 6),
    ("cyclic_triangular", spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=4, cycle_momentum=False), 20),
    ("cyclic_triangular2_asymmetric", spec("cyclic", base_lr=0.001, max_lr=0.05, step_size_up=3, step_size_down=5,
                                           mode="triangular2", cycle_momentum=False), 40),
    ("cyclic_exp_range", spec("cyclic", base_lr=0.01, max_lr=0.2, step_size_up=5, mode="exp_range", gamma=0.97,
                              cycle_momentum=False), 40),
    ("cyclic_step_size_1", spec("cyclic", base_lr=0.02, max_lr=0.3, step_size_up=1, cycle_momentum=False), 7),
    ("cyclic_momentum_sgd_triangular2", spec("cyclic", base_lr=0.02, max_lr=0.1, step_size_up=2, step_size_down=3,
                                             mode="triangular2", cycle_momentum=True), 25),
    ("cyclic_momentum_sgd_exp_range", spec("cyclic", base_lr=0.005, max_lr=0.05, step_size_up=3, mode="exp_range",
                                           gamma=0.9, cycle_momentum=True, base_momentum=0.85, max_momentum=0.95), 20),
    ("cyclic_adam_without_momentum", spec("cyclic", base_lr=0.001, max_lr=0.006, step_size_up=3, cycle_momentum=False), 12),
    ("sequential_linear_cyclic_momentum", spec("sequential", milestones=[3], schedulers=[
        spec("linear", start_factor=0.1, total_iters=3),
        spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=True)]), 12),
    ("chained_exponential_cyclic", spec("chained", schedulers=[
        spec("exponential", gamma=0.9), spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False)]), 10),
    # RMSprop has a 'momentum' setting (0 by default): CyclicLR cycles it as SGD's.
    ("cyclic_momentum_rmsprop", spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=True), 14),
    # Edge parameters over 50+ steps.
    ("step_gamma_one", spec("step", step_size=1, gamma=1.0), 55),
    ("step_size_7_long", spec("step", step_size=7, gamma=0.7), 60),
    ("multistep_unsorted", spec("multistep", milestones=[9, 2, 30, 5], gamma=0.5), 55),
    ("multistep_triple_repeat", spec("multistep", milestones=[4, 4, 4, 20], gamma=0.9), 55),
    ("exponential_gamma_one", spec("exponential", gamma=1.0), 55),
    ("exponential_long", spec("exponential", gamma=0.95), 60),
    ("cosine_tmax_1", spec("cosine", T_max=1, eta_min=0.001), 55),
    ("cosine_eta_min_equals_lr", spec("cosine", T_max=10, eta_min=0.1), 55),
    ("cosine_long", spec("cosine", T_max=50, eta_min=0.0005), 60),
    ("linear_total_1", spec("linear", start_factor=0.5, total_iters=1), 55),
    ("linear_rising_long", spec("linear", start_factor=0.01, end_factor=1.0, total_iters=50), 55),
    ("warm_restarts_t0_1", spec("warm_restarts", T_0=1, eta_min=0.01), 55),
    ("warm_restarts_mult3_long", spec("warm_restarts", T_0=2, T_mult=3, eta_min=0.1), 60),
    ("plateau_max_rel_cooldown_long", spec("plateau", mode="max", factor=0.5, patience=3, threshold=0.05,
                                           threshold_mode="rel", cooldown=4, min_lr=0.001), PLATEAU_LONG_METRICS),
    ("plateau_min_abs_cooldown_long", spec("plateau", mode="min", factor=0.7, patience=2, threshold=0.01,
                                           threshold_mode="abs", cooldown=1, min_lr=0.01, eps=1e-3), PLATEAU_LONG_METRICS),
    ("plateau_min_rel_negative_metrics", spec("plateau", mode="min", factor=0.1, patience=1, threshold=0.1,
                                              threshold_mode="rel"), [-1.0, -1.05, -1.2, -1.25, -1.3, -1.4, -1.5, -1.55, -1.6, -1.61, -1.62, -2.0]),
    ("plateau_max_rel_negative_metrics", spec("plateau", mode="max", factor=0.5, patience=0, threshold=0.1,
                                              threshold_mode="rel"), [-1.0, -0.95, -0.8, -0.75, -0.7, -0.6, -0.5, -0.45, -0.1, -0.09, 0.0, 0.0, 1.0]),
    ("plateau_factor_min_lr_equals_lr", spec("plateau", mode="min", factor=0.5, patience=0, threshold=1e-4,
                                             threshold_mode="rel", min_lr=0.1), [1.0, 1.0, 1.0, 1.0, 1.0]),
    ("sequential_long_three", spec("sequential", milestones=[5, 25], schedulers=[
        spec("linear", start_factor=0.1, total_iters=5), spec("cosine", T_max=20, eta_min=0.001),
        spec("multistep", milestones=[10, 3], gamma=0.5)]), 60),
    ("chained_step_cosine_long", spec("chained", schedulers=[
        spec("step", step_size=10, gamma=0.5), spec("cosine", T_max=13, eta_min=0.0)]), 55),
    ("onecycle_pct_start_zero", spec("onecycle", max_lr=0.5, total_steps=12, pct_start=0.0), 11),
    ("onecycle_pct_start_one", spec("onecycle", max_lr=0.5, total_steps=12, pct_start=1.0), 11),
    ("onecycle_total_2", spec("onecycle", max_lr=0.5, total_steps=2), 1),
    ("onecycle_div_one_final_div_one", spec("onecycle", max_lr=0.2, total_steps=55, div_factor=1.0, final_div_factor=1.0), 54),
    ("onecycle_three_phase_half_long", spec("onecycle", max_lr=1.0, total_steps=60, pct_start=0.5, three_phase=True,
                                            anneal_strategy="linear"), 59),
    ("cyclic_exp_range_gamma_one_long", spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=7, mode="exp_range", gamma=1.0,
                                             cycle_momentum=False), 60),
    ("cyclic_exp_range_gamma_half", spec("cyclic", base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=4, mode="exp_range",
                                         gamma=0.5, cycle_momentum=False), 55),
    ("cyclic_base_above_max", spec("cyclic", base_lr=0.1, max_lr=0.02, step_size_up=3, cycle_momentum=False), 20),
    ("polynomial_power3_long", spec("polynomial", total_iters=20, power=3.0), 55),
    ("constant_long", spec("constant", factor=0.1, total_iters=30), 55),
    ("warm_restarts_t0_large", spec("warm_restarts", T_0=100, eta_min=0.001), 60),
    ("cosine_eta_min_above_lr", spec("cosine", T_max=8, eta_min=0.3), 20),
    ("warm_restarts_eta_min_above_lr", spec("warm_restarts", T_0=3, T_mult=2, eta_min=0.25), 20),
    ("step_gamma_zero", spec("step", step_size=3, gamma=0.0), 8),
    ("exponential_gamma_zero", spec("exponential", gamma=0.0), 5),
    ("exponential_gamma_above_one", spec("exponential", gamma=1.1), 55),
    ("multistep_milestone_zero", spec("multistep", milestones=[0, 0, 3], gamma=0.5), 6),
    ("linear_end_zero", spec("linear", start_factor=1.0, end_factor=0.0, total_iters=4), 8),
]


def optimizer_kind(name):
    return "adam" if "adam" in name else "rmsprop" if "rmsprop" in name else "sgd_momentum" if "momentum" in name else "sgd"


def run(name, case_spec, steps):
    opt = optimizer(optimizer_kind(name))
    sched = make(opt, case_spec)
    lrs = [opt.param_groups[0]["lr"]]
    momentums = [momentum(opt)]
    if isinstance(steps, list):
        for m in steps:
            opt.step()
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
            momentums.append(momentum(opt))
    else:
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
            momentums.append(momentum(opt))
    return [float(v) for v in lrs], momentums


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "schedules.json"))
    args = parser.parse_args()
    cases = []
    for name, case_spec, steps in CASES:
        case = {"name": name, "scheduler": case_spec}
        if isinstance(steps, list):
            case["metrics"] = steps
        else:
            case["steps"] = steps
        case["optimizer"] = optimizer_kind(name)
        case["lrs"], momentums = run(name, case_spec, steps)
        if case_spec["params"].get("cycle_momentum") or any(
                c["params"].get("cycle_momentum") for c in case_spec["params"].get("schedulers", [])):
            case["momentums"] = momentums
        cases.append(case)
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "lr": LR, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", args.out, len(cases), "cases")


if __name__ == "__main__":
    main()
