#!/usr/bin/python3
"""Golden values for gradient clipping: PyTorch 1.13's clip_grad_norm_ and clip_grad_value_.

    /usr/bin/python3 scripts/golden_clipping.py [--out Runtime.Tests/Golden/clipping.json]

Three parameters with the shapes in SHAPES get closed-form gradients, flat index j over all of them
(evaluated in float64, then rounded to float32, which the C# test rebuilds the same way):

    g[j] = float32(scale * 10^-(j % 4) * sin(0.73 * j + 0.4))

For each case the file holds the arguments, `total_norm` (the float32 returned by clip_grad_norm_, the string
"inf" when it is infinite, absent for clip_grad_value_), `nonfinite_error` (whether clip_grad_norm_ with
error_if_nonfinite=True raises, norm cases only) and `gradients`, the clipped gradients flat in parameter order, each
float32 written exactly.
"""
import argparse
import json
import math
import os

import torch

SHAPES = [[5, 7], [7], [3, 5]]

CASES = [
    dict(name="norm2_clipped", function="norm", scale=3.0, max_norm=1.0, norm_type=2.0),
    dict(name="norm2_unclipped", function="norm", scale=0.01, max_norm=5.0, norm_type=2.0),
    dict(name="norm_inf_clipped", function="norm", scale=3.0, max_norm=0.5, norm_type="inf"),
    dict(name="norm_inf_unclipped", function="norm", scale=0.2, max_norm=0.5, norm_type="inf"),
    dict(name="value", function="value", scale=3.0, clip_value=0.3),
    dict(name="norm1_clipped", function="norm", scale=3.0, max_norm=2.0, norm_type=1.0),
    dict(name="norm3_clipped", function="norm", scale=3.0, max_norm=0.5, norm_type=3.0),
    dict(name="norm1.5_unclipped", function="norm", scale=0.01, max_norm=5.0, norm_type=1.5),
    # Exploding gradients: PyTorch sums the squares (|g|^p) in float32, so a sum past float's range makes the norm
    # infinite, clip_coef 0 and every gradient 0 (and error_if_nonfinite raises): in one tensor's sum, in the sum of the
    # tensors' (finite) norms, and for p = 3 at a smaller scale.
    dict(name="norm2_overflow_in_tensor", function="norm", scale=1e20, max_norm=1.0, norm_type=2.0),
    dict(name="norm2_overflow_across_tensors", function="norm", scale=7e18, max_norm=1.0, norm_type=2.0),
    dict(name="norm3_overflow", function="norm", scale=1e13, max_norm=1.0, norm_type=3.0),
    dict(name="norm_inf_huge", function="norm", scale=1e20, max_norm=1.0, norm_type="inf"),
]


def gradients(scale):
    total = sum(math.prod(s) for s in SHAPES)
    flat = [scale * 10.0 ** -(j % 4) * math.sin(0.73 * j + 0.4) for j in range(total)]
    params, offset = [], 0
    for shape in SHAPES:
        n = math.prod(shape)
        p = torch.nn.Parameter(torch.zeros(shape))
        p.grad = torch.tensor(flat[offset:offset + n], dtype=torch.float32).reshape(shape)
        params.append(p)
        offset += n
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "clipping.json"))
    args = parser.parse_args()
    cases = []
    for case in CASES:
        params = gradients(case["scale"])
        out = dict(case)
        if case["function"] == "norm":
            norm_type = math.inf if case["norm_type"] == "inf" else case["norm_type"]
            total = torch.nn.utils.clip_grad_norm_(params, case["max_norm"], norm_type=norm_type)
            out["total_norm"] = "inf" if math.isinf(float(total)) else float(total)
            try:
                torch.nn.utils.clip_grad_norm_(gradients(case["scale"]), case["max_norm"], norm_type=norm_type, error_if_nonfinite=True)
                out["nonfinite_error"] = False
            except RuntimeError:
                out["nonfinite_error"] = True
        else:
            torch.nn.utils.clip_grad_value_(params, case["clip_value"])
        out["gradients"] = [float(v) for p in params for v in p.grad.reshape(-1).tolist()]
        cases.append(out)
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "shapes": SHAPES, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", args.out, len(cases), "cases")


if __name__ == "__main__":
    main()
