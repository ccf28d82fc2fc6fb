#!/usr/bin/python3
"""Golden values for StaticGrad.Init: PyTorch 1.13's torch.nn.init, scipy's truncnorm and mpmath's erf/erfinv.

    /usr/bin/python3 scripts/golden_init.py [--out Runtime.Tests/Golden/init.json]

Everything deterministic that torch.nn.init computes, taken from PyTorch itself rather than from a copy of its formulas:

- `gains`: calculate_gain(nonlinearity, param) for every nonlinearity Init.Nonlinearity names (PyTorch's spelling), and
  leaky_relu with several slopes.
- `fans`: _calculate_fan_in_and_fan_out of a tensor of each shape ([6, 16, 5, 5] is a ConvTranspose2d weight).
- `draws`: the arguments each initializer passes to Tensor.uniform_ / Tensor.normal_ (recorded by wrapping both
  methods while it runs): the Kaiming and Xavier bounds and standard deviations, and for trunc_normal_ the range
  [2l-1, 2u-1] its uniform draw takes before erfinv (which goes through math.erf).
- `eye`, `dirac`: the tensors eye_ and dirac_ write, flat in row-major order.
- `truncnorm`: the mean and standard deviation of scipy.stats.truncnorm for a few (mean, std, a, b), which the C#
  tests compare with a large TruncatedNormal sample.
- `erf`, `erfinv`: mpmath at 50 digits (`exact`, rounded to float64) and PyTorch's float64 torch.erf/torch.erfinv.
- `errors`: PyTorch's messages for the shapes it refuses; the C# messages quote them.

Every float is a float64 that json writes exactly (repr); infinities and NaN are the strings "inf", "-inf", "nan".
The C# tests: Runtime.Tests/Init/InitTests.cs.
"""
import argparse
import json
import math
import os

import mpmath
import scipy
import scipy.stats
import torch
from torch import nn

mpmath.mp.dps = 50

NONLINEARITIES = ["linear", "conv2d", "conv_transpose2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
FAN_SHAPES = [[120, 400], [16, 6, 5, 5], [6, 16, 5, 5], [10, 84], [4, 3], [3, 7, 2], [8, 1, 3, 3]]

# (function, shape, keyword arguments); a and gain values are decimals a C# float or double holds as the same value.
DRAWS = [
    ("kaiming_uniform_", [120, 400], {}),
    ("kaiming_uniform_", [16, 6, 5, 5], {}),
    ("kaiming_uniform_", [6, 16, 5, 5], {"mode": "fan_out"}),
    ("kaiming_uniform_", [10, 84], {"a": 0.2}),
    ("kaiming_uniform_", [4, 3], {"a": 1.0, "mode": "fan_out"}),
    ("kaiming_uniform_", [16, 6, 5, 5], {"nonlinearity": "relu"}),
    ("kaiming_uniform_", [120, 400], {"nonlinearity": "tanh", "mode": "fan_out"}),
    ("kaiming_uniform_", [10, 84], {"nonlinearity": "selu"}),
    ("kaiming_uniform_", [10, 84], {"nonlinearity": "linear", "a": 0.3}),
    ("kaiming_normal_", [16, 6, 5, 5], {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", [120, 400], {}),
    ("kaiming_normal_", [6, 16, 5, 5], {"a": 0.01}),
    ("kaiming_normal_", [4, 3], {"nonlinearity": "sigmoid", "mode": "fan_out"}),
    ("xavier_uniform_", [120, 400], {}),
    ("xavier_uniform_", [16, 6, 5, 5], {"gain": 0.5}),
    ("xavier_uniform_", [6, 16, 5, 5], {"gain": nn.init.calculate_gain("tanh")}),
    ("xavier_normal_", [10, 84], {}),
    ("xavier_normal_", [16, 6, 5, 5], {"gain": nn.init.calculate_gain("relu")}),
    ("xavier_normal_", [4, 3], {"gain": 2.0}),
    ("trunc_normal_", [4, 3], {}),
    ("trunc_normal_", [4, 3], {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 3.0}),
    ("trunc_normal_", [4, 3], {"mean": 0.0, "std": 0.02, "a": -0.04, "b": 0.04}),
    ("trunc_normal_", [4, 3], {"mean": 1.0, "std": 1.0, "a": 0.0, "b": 5.0}),
    ("trunc_normal_", [4, 3], {"mean": -3.0, "std": 0.5, "a": -4.0, "b": -2.5}),
    ("trunc_normal_", [4, 3], {"mean": 0.0, "std": 0.02, "a": -2.0, "b": 2.0}),
    ("uniform_", [4, 3], {"a": -0.25, "b": 0.75}),
    ("normal_", [4, 3], {"mean": 0.5, "std": 3.0}),
]

EYE_SHAPES = [[3, 3], [3, 5], [5, 2], [1, 4]]
DIRAC = [([4, 2, 3, 3], 1), ([6, 4, 3, 3], 2), ([3, 5, 2, 4], 1), ([4, 4, 1, 1], 2), ([4, 2, 5], 1), ([6, 2, 3], 3),
         ([2, 3, 3, 3, 3], 1), ([2, 2, 2, 3], 2)]
TRUNCNORM = [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (1.0, 1.0, 0.0, 5.0), (-3.0, 0.5, -4.0, -2.5),
             (0.0, 0.02, -0.04, 0.04)]

ERF_X = [0.0, 1e-300, 1e-10, 1e-5, 0.01, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.84375, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0,
         2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 5.9, 6.0, 7.0, 10.0, 15.0, 26.0, 27.5, -0.3, -1.0, -2.5, -7.0]
ERFINV_Y = [0.0, 1e-300, 1e-10, 1e-5, 0.001, 0.01, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9,
            0.95, 0.97, 0.99, 0.995, 0.999, 0.9999, 1 - 1e-5, 1 - 1e-6, 1 - 1e-8, 1 - 1e-10, 1 - 1e-12, 1 - 1e-14,
            1 - 2.0 ** -53, -0.05, -0.5, -0.9, -0.999999]


def number(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def record_draws(function, shape, kwargs):
    """The (kind, first, second) arguments `function` passes to uniform_/normal_."""
    calls = []
    uniform, normal = torch.Tensor.uniform_, torch.Tensor.normal_

    def recording_uniform(self, a=0.0, b=1.0):
        calls.append(("uniform", float(a), float(b)))
        return uniform(self, a, b)

    def recording_normal(self, mean=0.0, std=1.0):
        calls.append(("normal", float(mean), float(std)))
        return normal(self, mean, std)

    torch.Tensor.uniform_, torch.Tensor.normal_ = recording_uniform, recording_normal
    try:
        getattr(nn.init, function)(torch.empty(shape), **kwargs)
    finally:
        torch.Tensor.uniform_, torch.Tensor.normal_ = uniform, normal
    assert len(calls) == 1, (function, calls)
    return calls[0]


def message(action):
    try:
        action()
    except (ValueError, RuntimeError) as e:
        return str(e)
    raise AssertionError("expected an error")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "init.json"))
    args = parser.parse_args()

    gains = [{"nonlinearity": n, "param": None, "gain": float(nn.init.calculate_gain(n))} for n in NONLINEARITIES]
    for slope in [0.0, 0.01, 0.2, 1.0, -0.5, 5.0]:
        gains.append({"nonlinearity": "leaky_relu", "param": slope, "gain": nn.init.calculate_gain("leaky_relu", slope)})
    # PyTorch ignores the parameter of every other nonlinearity.
    gains.append({"nonlinearity": "tanh", "param": 0.5, "gain": nn.init.calculate_gain("tanh", 0.5)})

    fans = []
    for shape in FAN_SHAPES:
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        fans.append({"shape": shape, "fan_in": fan_in, "fan_out": fan_out})

    draws = []
    for function, shape, kwargs in DRAWS:
        kind, first, second = record_draws(function, shape, kwargs)
        draw = {"function": function, "shape": shape, "kwargs": kwargs, "kind": kind}
        draw.update({"low": first, "high": second} if kind == "uniform" else {"mean": first, "std": second})
        draws.append(draw)

    eye = []
    for shape in EYE_SHAPES:
        eye.append({"shape": shape, "values": [float(v) for v in nn.init.eye_(torch.full(shape, 7.0)).flatten()]})
    dirac = []
    for shape, groups in DIRAC:
        values = nn.init.dirac_(torch.full(shape, 7.0), groups=groups).flatten()
        dirac.append({"shape": shape, "groups": groups, "values": [float(v) for v in values]})

    truncnorm = []
    for mean, std, a, b in TRUNCNORM:
        distribution = scipy.stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
        truncnorm.append({"mean": mean, "std": std, "a": a, "b": b,
                          "expected_mean": float(distribution.mean()), "expected_std": float(distribution.std())})

    erf = []
    for x in ERF_X:
        t = torch.tensor([x], dtype=torch.float64)
        erf.append({"x": x, "erf": number(mpmath.erf(x)), "erfc": number(mpmath.erfc(x)),
                    "torch_erf": number(torch.erf(t)[0]), "torch_erfc": number(torch.erfc(t)[0])})
    erfinv = []
    for y in ERFINV_Y:
        erfinv.append({"y": y, "exact": number(mpmath.erfinv(mpmath.mpf(y))),
                       "torch": number(torch.erfinv(torch.tensor([y], dtype=torch.float64))[0])})
    for y in [1.0, -1.0, 1.5, -2.0]:
        erfinv.append({"y": y, "exact": number(torch.erfinv(torch.tensor([y], dtype=torch.float64))[0]),
                       "torch": number(torch.erfinv(torch.tensor([y], dtype=torch.float64))[0])})

    errors = {
        "fan": message(lambda: nn.init._calculate_fan_in_and_fan_out(torch.empty(5))),
        "eye": message(lambda: nn.init.eye_(torch.empty(2, 3, 4))),
        "dirac_dimensions": message(lambda: nn.init.dirac_(torch.empty(4, 4))),
        "dirac_groups": message(lambda: nn.init.dirac_(torch.empty(6, 2, 3, 3), groups=4)),
        "orthogonal": message(lambda: nn.init.orthogonal_(torch.empty(5))),
        "normal_std": message(lambda: nn.init.normal_(torch.empty(3, 3), std=-1.0)),
        "uniform_range": message(lambda: nn.init.uniform_(torch.empty(3, 3), a=1.0, b=0.0)),
        "gain": message(lambda: nn.init.calculate_gain("softmax")),
    }

    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "scipy": scipy.__version__, "mpmath": mpmath.__version__,
                   "gains": gains, "fans": fans, "draws": draws, "eye": eye, "dirac": dirac,
                   "truncnorm": truncnorm, "erf": erf, "erfinv": erfinv, "errors": errors}, f, indent=1)
        f.write("\n")
    print("wrote", args.out, len(gains), "gains,", len(draws), "draws,", len(erf), "erf and", len(erfinv), "erfinv points")


if __name__ == "__main__":
    main()
