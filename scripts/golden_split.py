#!/usr/bin/python3
"""Golden per-class validation counts of stratified splits (DatasetSplit) from scikit-learn's train_test_split.

    /usr/bin/python3 scripts/golden_split.py [--out Runtime.Tests/Golden/split.json]

scikit-learn's random generator differs from StaticGrad's, so only the counts are compared: each case holds every
outcome `train_test_split(test_size=fraction, stratify=y, random_state=r)` gave for SEEDS seeds. Where its remainders
tie, scikit-learn draws among the tied classes; cases with more than MAX_OUTCOMES outcomes are skipped so the seeds
surely cover them all. The C# test (Runtime.Tests/Data/StratifiedSplitGoldenTests.cs) asserts StaticGrad's counts are
one of them. The first cases are the sweep's: equal remainders, and a near-tie that scikit-learn's float64 rounding
always breaks the same way.
"""
import argparse
import json
import math
import os

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

SEED = 5
SEEDS = 64
MAX_OUTCOMES = 3
CASES = 300


def outcomes(counts, fraction):
    y = np.repeat(np.arange(len(counts)), counts)
    seen = set()
    for r in range(SEEDS):
        _, test = train_test_split(np.arange(len(y)), test_size=fraction, stratify=y, random_state=r)
        seen.add(tuple(int(v) for v in np.bincount(y[test], minlength=len(counts))))
    return sorted(seen)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "split.json"))
    args = parser.parse_args()
    cases = [([2, 2, 5], 1 / 3), ([21, 0, 17], 0.5)]
    rng = np.random.RandomState(SEED)
    while len(cases) < CASES:
        classes = int(rng.randint(2, 8))
        n = int(rng.randint(8, 400))
        counts = np.maximum(rng.multinomial(n, rng.dirichlet(np.ones(classes))), 2)
        counts[rng.rand(classes) < 0.1] = 0
        n = int(counts.sum())
        present = int((counts > 0).sum())
        fraction = float(rng.choice([0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.7]))
        take = math.ceil(fraction * n)
        if present < 2 or take < present or n - take < present:
            continue
        cases.append((counts.tolist(), fraction))
    out = []
    for counts, fraction in cases:
        seen = outcomes(counts, fraction)
        if len(seen) <= MAX_OUTCOMES:
            out.append({"counts": counts, "fraction": fraction, "validation_counts": [list(s) for s in seen]})
    with open(args.out, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": out}, f, indent=1)
        f.write("\n")
    print("wrote", args.out, len(out), "cases")


if __name__ == "__main__":
    main()
