#!/usr/bin/python3
"""PyTorch side of `dotnet run -c Release --project Benchmarks -- norm`.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_norm_bench.py [--repeats 7]

Times nn.GroupNorm(8, 32) and nn.InstanceNorm2d(32, affine=True) on a batch of 16 images of 32 channels of 32 x 32, as
the benchmark times StaticGrad's kernel: the forward pass (under no_grad), and the backward pass (torch.autograd.grad of
the output for the input, weight and bias, from a forward pass kept outside the timing). Each with
torch.set_num_threads(1) and (2); warm-up, then `--repeats` runs of about 0.2 s each, the median microseconds per call.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from pytorch_depthwise_bench import median_us  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}; batch 16, 32 channels of 32x32: median µs per call")
    print(f"{'layer':30} {'pass':20} {'1 thread':>9} {'2 threads':>10}")
    for name, layer in (("GroupNorm(8, 32)", nn.GroupNorm(8, 32)), ("InstanceNorm2d(32, affine)", nn.InstanceNorm2d(32, affine=True))):
        x = torch.randn(16, 32, 32, 32, requires_grad=True)
        g = torch.randn(16, 32, 32, 32)
        y = layer(x)
        inputs = (x, layer.weight, layer.bias)

        def forward():
            with torch.no_grad():
                layer(x)

        def backward():
            torch.autograd.grad(y, inputs, g, retain_graph=True)

        for pass_name, fn in (("forward", forward), ("backward", backward)):
            row = []
            for threads in (1, 2):
                torch.set_num_threads(threads)
                row.append(median_us(fn, args.repeats))
            print(f"{name:30} {pass_name:20} {row[0]:9.1f} {row[1]:10.1f}")


if __name__ == "__main__":
    main()
