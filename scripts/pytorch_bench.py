#!/usr/bin/python3
"""PyTorch side of StaticGrad's speed comparison (`dotnet run -c Release --project Benchmarks -- compare`).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_bench.py [--repeats 7] [--json]
        [--only seed128_adam,...]

Times, for each case, whole training steps exactly as a PyTorch user writes them:
optimizer.zero_grad(set_to_none=True); loss = CrossEntropyLoss()(model(x), y); loss.backward();
optimizer.step(); float(loss). The inference cases run in eval mode under torch.no_grad(): one
sample's prediction, torch.softmax(model(x), dim=1) then argmax (seed128_infer_b1), and the logits
model(x) of a batch of 64 (mlp256_infer_b64). Inputs are fixed random batches (uniform [0, 1),
labels uniform in [0, 10)); the data does not affect the speed.

Each case: warm-up, then `--repeats` timed runs of enough steps to last about 0.2 s; the median
microseconds per step is reported (and the minimum). Threads: torch.set_num_threads(1) and
OPENBLAS_NUM_THREADS=2 (set here if unset), the fastest setting for these models on the 2-core
reference machine (DESIGN.md).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

# name: (inputs, hidden, classes, batch, work); work is a training step with "adam" (lr 1e-3) or "sgd" (lr 0.1,
# momentum 0.9), or inference: "predict" (softmax, then argmax of the first row) or "forward" (the logits).
CASES = {
    "seed128_adam_b64": (784, 128, 10, 64, "adam"),
    "mlp256_sgd_b64": (784, 256, 10, 64, "sgd"),
    "mlp1024_adam_b1024": (784, 1024, 10, 1024, "adam"),
    "seed128_infer_b1": (784, 128, 10, 1, "predict"),
    "mlp256_infer_b64": (784, 256, 10, 64, "forward"),
}

# name: (features, classes, batch): F.cross_entropy(x @ W.T + b, y) forward and backward (gradients of x, W, b),
# the classifier head StaticGrad's FusedLinearCrossEntropy computes. Not in the default --only list.
CPU_TIME = False

HEAD_CASES = {
    "head512_50000_b256": (512, 50000, 256),
}


def make_model(inputs, hidden, classes):
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def head_step(name):
    features, classes, batch = HEAD_CASES[name]
    torch.manual_seed(1)
    bound = 1.0 / features ** 0.5
    x = torch.rand(batch, features, requires_grad=True)
    weight = ((torch.rand(classes, features) * 2 - 1) * bound).requires_grad_(True)
    bias = ((torch.rand(classes) * 2 - 1) * bound).requires_grad_(True)
    y = torch.randint(0, classes, (batch,))

    def step():
        x.grad = None
        weight.grad = None
        bias.grad = None
        loss = torch.nn.functional.cross_entropy(x @ weight.t() + bias, y)
        loss.backward()
        return float(loss)

    return batch, step


def time_case(name, repeats, target_seconds):
    if name in HEAD_CASES:
        batch, step = head_step(name)
        return time_step(name, batch, step, repeats, target_seconds)
    inputs, hidden, classes, batch, work = CASES[name]
    torch.manual_seed(1)
    model = make_model(inputs, hidden, classes)
    x = torch.rand(batch, inputs)
    y = torch.randint(0, classes, (batch,))
    if work == "predict":
        model.eval()

        def step():
            with torch.no_grad():
                probabilities = torch.softmax(model(x), dim=1)
                return int(probabilities.argmax(dim=1)[0])
    elif work == "forward":
        model.eval()

        def step():
            with torch.no_grad():
                return model(x)
    else:
        if work == "adam":
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        else:
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return float(loss)

    return time_step(name, batch, step, repeats, target_seconds)


def time_step_cpu(name, batch, step, repeats):
    """Best of `repeats` single steps timed by the calling thread's CPU time (for a machine other jobs keep busy;
    meant with OPENBLAS_NUM_THREADS=1, when every BLAS call runs on this thread)."""
    step()
    samples = []
    for _ in range(repeats):
        started = time.thread_time()
        step()
        samples.append((time.thread_time() - started) * 1e6)
    return {"case": name, "batch": batch, "steps": 1, "median_us": statistics.median(samples),
            "min_us": min(samples), "samples_us": samples}


def time_step(name, batch, step, repeats, target_seconds):
    if CPU_TIME:
        return time_step_cpu(name, batch, step, repeats)
    # warm-up, and calibrate the number of steps per timed run
    steps = 1
    while True:
        started = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - started
        if elapsed >= target_seconds / 4:
            break
        steps *= 2
    steps = max(1, int(steps * target_seconds / max(elapsed, 1e-9)))
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            step()
        samples.append((time.perf_counter() - started) / steps * 1e6)
    return {"case": name, "batch": batch, "steps": steps, "median_us": statistics.median(samples),
            "min_us": min(samples), "samples_us": samples}


def main(argv):
    parser = argparse.ArgumentParser(description="Time PyTorch training steps for the StaticGrad comparison.")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2, help="target duration of one timed run")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time single steps by the thread's CPU time (best of --repeats); use OPENBLAS_NUM_THREADS=1")
    args = parser.parse_args(argv)
    global CPU_TIME
    CPU_TIME = args.cpu_time
    torch.set_num_threads(1)
    results = [time_case(name, args.repeats, args.seconds) for name in args.only.split(",") if name]
    if args.json:
        json.dump({"torch": torch.__version__, "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                   "torch_threads": torch.get_num_threads(), "results": results}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print("torch %s, OPENBLAS_NUM_THREADS=%s, torch threads %d" % (
            torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS"), torch.get_num_threads()))
        for r in results:
            print("%-22s batch %5d  median %10.1f us/step  min %10.1f" % (r["case"], r["batch"], r["median_us"], r["min_us"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
