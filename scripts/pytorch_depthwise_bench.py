#!/usr/bin/python3
"""PyTorch side of the depthwise rows of `dotnet run -c Release --project Benchmarks -- conv`.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_depthwise_bench.py [--repeats 7]

Times the same three depthwise 3x3 layers at batch 64 (32 channels on 56x56 and 64 on 28x28 with padding 1, 128 on
28x28 with stride 2 and padding 1; one kernel per channel, with bias) pass by pass as the benchmark times
StaticGrad's kernels: the forward pass with ReLU (F.conv2d then F.relu), the input gradient
(torch.autograd.grad of the output for the input) and the weight and bias gradients (for the weight and bias),
each from a forward pass kept outside the timing. Each case runs with torch.set_num_threads(1) and (2); warm-up, then
`--repeats` runs of about 0.2 s each, the median microseconds per call.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

LAYERS = [
    ("depthwise 32 3x3 pad 1, 56x56", 32, 56, 1),
    ("depthwise 64 3x3 pad 1, 28x28", 64, 28, 1),
    ("depthwise 128 3x3/2 pad 1, 28x28", 128, 28, 2),
]


def median_us(fn, repeats):
    for _ in range(3):
        fn()
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < 0.3:
        fn()
        calls += 1
    per_run = max(1, int(calls * 0.2 / 0.3))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(per_run):
            fn()
        times.append((time.perf_counter() - t) / per_run * 1e6)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"PyTorch {torch.__version__}, batch 64: median µs per call, 1 thread / 2 threads")
    for name, channels, size, stride in LAYERS:
        x = torch.randn(64, channels, size, size, requires_grad=True)
        w = torch.randn(channels, 1, 3, 3, requires_grad=True)
        b = torch.randn(channels, requires_grad=True)
        cells = {"Forward": [], "BackwardData": [], "BackwardWeight": []}
        for threads in (1, 2):
            torch.set_num_threads(threads)
            with torch.no_grad():
                cells["Forward"].append(median_us(lambda: F.relu(F.conv2d(x, w, b, stride, 1, 1, channels)), args.repeats))
            y = F.conv2d(x, w, b, stride, 1, 1, channels)
            dy = torch.randn_like(y)
            cells["BackwardData"].append(median_us(lambda: torch.autograd.grad(y, x, dy, retain_graph=True), args.repeats))
            cells["BackwardWeight"].append(median_us(lambda: torch.autograd.grad(y, (w, b), dy, retain_graph=True), args.repeats))
        for label, (one, two) in cells.items():
            print(f"{name:32} {label:15} {one:10.1f} {two:10.1f}")


if __name__ == "__main__":
    main()
