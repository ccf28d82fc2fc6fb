#!/usr/bin/env python3
"""Projects data-parallel scaling over N machines from measured compute and a stated network.

Inputs:
  STEP_MS: one process's training step (forward, backward, Adam) per batch size, on one machine. The defaults below are
  docs/distributed.md's measurement; pass the output of the benchmark run as one process to use your own:
      dotnet build Benchmarks -c Release
      dotnet Benchmarks/bin/Release/net10.0/StaticGrad.Benchmarks.dll distributed > bench.txt
      python3 scripts/distributed_projection.py bench.txt
  (its lines "step at batch N: median X ms" replace STEP_MS).
  Network: ring all-reduce, t(N) = 2(N-1) * ALPHA + 2(N-1)/N * bytes / BETA.
Prints docs/distributed.md's tables (markdown).
"""
import math
import re
import sys

# Measured: one process, 2 threads, AMD EPYC (2 cores, AVX-512), Release, seed model 784-128-10 (101,770 parameters).
STEP_MS = {8: 0.085, 16: 0.097, 32: 0.114, 64: 0.173, 128: 0.261, 256: 0.537, 512: 1.030, 1024: 1.991}
if len(sys.argv) > 1:
    with open(sys.argv[1], encoding="utf-8") as f:
        measured = {int(b): float(ms) for b, ms in re.findall(r"step at batch +(\d+): median ([0-9.]+) ms", f.read())}
    if len(measured) < 2:
        sys.exit(f"{sys.argv[1]}: expected lines 'step at batch N: median X ms' from the distributed benchmark")
    STEP_MS = measured
    print(f"step times from {sys.argv[1]}: " + ", ".join(f"{b}: {ms} ms" for b, ms in sorted(STEP_MS.items())))
    print()
PARAMS = 101_770 + 2  # gradients + denominator + loss
ALPHA = 30e-6  # s per message (TCP over Ethernet)
BETA = 10e9 / 8  # bytes/s: 10 Gbit/s Ethernet


def step_ms(batch, scale=1.0):
    """Compute of one step at `batch` (linear interpolation; per-sample rate of the largest measured batch beyond)."""
    sizes = sorted(STEP_MS)
    if batch <= sizes[0]:
        return STEP_MS[sizes[0]] * scale
    if batch >= sizes[-1]:
        return STEP_MS[sizes[-1]] * batch / sizes[-1] * scale
    for lo, hi in zip(sizes, sizes[1:]):
        if lo <= batch <= hi:
            t = (batch - lo) / (hi - lo)
            return (STEP_MS[lo] + t * (STEP_MS[hi] - STEP_MS[lo])) * scale


def allreduce_ms(n, floats):
    if n == 1:
        return 0.0
    return (2 * (n - 1) * ALPHA + 2 * (n - 1) / n * floats * 4 / BETA) * 1e3


def break_even(n, floats, scale=1.0):
    """Smallest global batch (multiple of n) at which n machines beat one."""
    b = n
    while b < 1 << 24:
        if step_ms(b / n, scale) + allreduce_ms(n, floats) < step_ms(b, scale):
            return b
        b += n
    return None


machines = [1, 2, 4, 8, 16, 32]
batches = [64, 256, 1024, 4096, 16384]
print("Seed model: speedup over one machine (step time in ms) at global batch B")
print("| N | all-reduce ms | " + " | ".join(f"B={b}" for b in batches) + " | break-even B |")
print("|---|---|" + "---|" * len(batches) + "---|")
for n in machines:
    cells = []
    for b in batches:
        t = step_ms(b / n) + allreduce_ms(n, PARAMS)
        cells.append(f"{step_ms(b) / t:.2f}x ({t:.2f})")
    be = "-" if n == 1 else str(break_even(n, PARAMS))
    print(f"| {n} | {allreduce_ms(n, PARAMS):.3f} | " + " | ".join(cells) + f" | {be} |")

scale = 10_000_000 / 101_770
print()
print("10M-parameter model, compute assumed proportional to parameters (x%.0f): speedup (step ms)" % scale)
print("| N | all-reduce ms | " + " | ".join(f"B={b}" for b in batches) + " | break-even B |")
print("|---|---|" + "---|" * len(batches) + "---|")
for n in machines:
    cells = []
    for b in batches:
        t = step_ms(b / n, scale) + allreduce_ms(n, 10_000_000)
        cells.append(f"{step_ms(b, scale) / t:.2f}x ({t:.1f})")
    be = "-" if n == 1 else str(break_even(n, 10_000_000, scale))
    print(f"| {n} | {allreduce_ms(n, 10_000_000):.1f} | " + " | ".join(cells) + f" | {be} |")
