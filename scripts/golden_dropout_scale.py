#!/usr/bin/python3
"""Golden factor of the elements dropout keeps, from PyTorch 1.13's nn.functional.dropout in training mode.

    /usr/bin/python3 scripts/golden_dropout_scale.py [--out Runtime.Tests/Golden/dropout_scale.json]

PyTorch draws a Bernoulli(1 - p) noise tensor and divides it by `1 - p` (a Python float: the subtraction is in double,
the division of the float tensor by it in float), then multiplies the input by it; its kept values are therefore
`float(1) / float(1 - p)`, which for p = 0.9 is 10 where float arithmetic on p gives 9.999998. Each case is the value
dropout keeps of an all-ones float32 input for one p, as float32 bits; the C# test (Runtime.Tests/Kernels/DropoutScaleTests.cs)
checks `Dropout.Scale((float)p)` and the kernels' masks against it. Deterministic: the kept value does not depend on
which elements are kept.
"""
import argparse
import json
import os

import numpy as np
import torch

PROBABILITIES = [0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.33, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99, 0.999]


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(repo, "Runtime.Tests", "Golden", "dropout_scale.json"))
    args = parser.parse_args()
    torch.manual_seed(0)
    cases = []
    for p in PROBABILITIES:
        kept = torch.nn.functional.dropout(torch.ones(100_000), p, training=True)
        values = torch.unique(kept)
        assert len(values) == 2 and values[0].item() == 0, (p, values)
        bits = int(np.array([values[1].item()], dtype=np.float32).view(np.uint32)[0])
        cases.append({"name": f"p={p}", "p": p, "kept_bits": bits, "kept": values[1].item()})
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "recipe": "scripts/golden_dropout_scale.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
