#!/usr/bin/python3
"""PyTorch side of StaticGrad's LeNet-5 speed comparison (`dotnet run -c Release --project Benchmarks -- lenet`).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_cnn_bench.py [--repeats 7] [--json]
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_cnn_bench.py --serve

Times LeNet-5 (conv 6@5x5 pad 2, ReLU, maxpool 2; conv 16@5x5, ReLU, maxpool 2; 400-120-84-10) as a PyTorch user
writes it: a training step at batch 64 with Adam (zero_grad(set_to_none=True), CrossEntropyLoss, backward, step,
float(loss)), and single-sample inference (softmax, argmax under torch.no_grad()). Inputs are fixed random images.
Each case runs with torch.set_num_threads(1) and (2) and reports the faster, PyTorch's best thread setting here; both
are in the JSON. Timing: warm-up, then `--repeats` runs of about 0.2 s each; the median microseconds per step.

--serve is the benchmark's interleaved mode: the script prints one JSON line about itself, then answers each line
`CASE THREADS SECONDS` on standard input with one JSON line `{"us": ...}`, the microseconds per step of one timed run
of about SECONDS at that thread setting (the step count calibrated on the case's first request). The benchmark
alternates these runs with its own, so both sides are timed in the same minutes of a shared host.
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


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def make_step(case):
    torch.manual_seed(1)
    model = lenet()
    if case == "lenet_infer_b1":
        model.eval()
        x = torch.rand(1, 1, 28, 28)

        def step():
            with torch.no_grad():
                return int(torch.softmax(model(x), dim=1).argmax(dim=1)[0])
        return step

    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return float(loss)
    return step


def calibrate(step, target_seconds):
    """Warms the step up and returns how many calls take about target_seconds."""
    steps = 1
    while True:
        started = time.perf_counter()
        for _ in range(steps):
            step()
        elapsed = time.perf_counter() - started
        if elapsed >= target_seconds / 4:
            break
        steps *= 2
    return max(1, int(steps * target_seconds / max(elapsed, 1e-9)))


def timed_run(step, steps):
    """Microseconds per call over one run of `steps` calls."""
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps * 1e6


def time_step(step, repeats, target_seconds):
    steps = calibrate(step, target_seconds)
    samples = [timed_run(step, steps) for _ in range(repeats)]
    return statistics.median(samples), min(samples)


def serve(lines, out):
    """The interleaved mode (see the module's doc): one timed run per request line."""
    json.dump({"torch": torch.__version__, "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS")}, out)
    out.write("\n")
    out.flush()
    prepared = {}
    for line in lines:
        if not line.strip():
            continue
        case, threads, seconds = line.split()
        threads, seconds = int(threads), float(seconds)
        if case not in ("lenet_adam_b64", "lenet_infer_b1") or threads < 1 or seconds <= 0:
            raise SystemExit("unknown request %r; expected CASE THREADS SECONDS" % line)
        torch.set_num_threads(threads)
        key = (case, threads, seconds)
        if key not in prepared:
            step = make_step(case)
            prepared[key] = (step, calibrate(step, seconds))
        step, steps = prepared[key]
        json.dump({"us": timed_run(step, steps)}, out)
        out.write("\n")
        out.flush()


def main(argv):
    parser = argparse.ArgumentParser(description="Time PyTorch's LeNet-5 for the StaticGrad comparison.")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2, help="target duration of one timed run")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--serve", action="store_true", help="answer timing requests on standard input (the benchmark's interleaved mode)")
    args = parser.parse_args(argv)
    if args.serve:
        serve(sys.stdin, sys.stdout)
        return 0
    results = []
    for case in ("lenet_adam_b64", "lenet_infer_b1"):
        by_threads = {}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            by_threads[threads] = time_step(make_step(case), args.repeats, args.seconds)
        best = min(by_threads, key=lambda t: by_threads[t][0])
        results.append({"case": case, "median_us": by_threads[best][0], "min_us": by_threads[best][1], "threads": best,
                        "median_us_by_threads": {str(t): m for t, (m, _) in by_threads.items()}})
    if args.json:
        json.dump({"torch": torch.__version__, "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                   "torch_threads": results[0]["threads"], "results": results}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print("torch %s, OPENBLAS_NUM_THREADS=%s" % (torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS")))
        for r in results:
            print("%-16s median %9.1f us (best of 1 and 2 threads: %d; by threads %s)" % (
                r["case"], r["median_us"], r["threads"], r["median_us_by_threads"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
