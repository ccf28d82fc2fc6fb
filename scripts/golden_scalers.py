#!/usr/bin/python3
"""Golden attributes and outputs of scikit-learn's StandardScaler and MinMaxScaler (Runtime/Data) on float32 data.

    /usr/bin/python3 scripts/golden_scalers.py [--out Runtime.Tests/Golden/scalers.json]

Every fixture is float32, drawn once from numpy's RandomState(SEED) and written into the file (float32 values are
exact in JSON's float64 numbers; NaN is written as null, since JSON has no NaN), so the C# tests
(Runtime.Tests/Data/StandardScalerTests.cs and MinMaxScalerTests.cs) read the same inputs. Each case holds the rows to
fit (`fit`, fitted in one call, or with `chunks` as that many partial_fit calls of those row counts), the rows to
transform (`transform_input`: the fitted rows, then rows the fit has not seen), scikit-learn's fitted attributes
(float64 for StandardScaler, float32 for MinMaxScaler, as scikit-learn keeps them for float32 input; None as null),
`n_samples_seen` per feature (scikit-learn's scalar repeated when every feature has the same count), the float32
`transformed` output and `inverse`, the inverse transform of that `transformed` output.
"""
import argparse
import json
import os

import numpy as np
import sklearn
from sklearn.preprocessing import MinMaxScaler, StandardScaler

SEED = 31


def f32(a):
    return np.asarray(a, dtype=np.float32)


def floats(a):
    """A flat list of floats; NaN (a missing value, or a None attribute's absence) as null."""
    if a is None:
        return None
    return [None if np.isnan(v) else float(v) for v in np.asarray(a).ravel()]


def seen(n, features):
    return [int(v) for v in np.broadcast_to(np.asarray(n), (features,))]


def fit_scaler(scaler, fit, chunks):
    """fit, or partial_fit over consecutive chunks of the given row counts."""
    if chunks is None:
        scaler.fit(fit)
        return
    assert sum(chunks) == fit.shape[0]
    start = 0
    for rows in chunks:
        scaler.partial_fit(fit[start:start + rows])
        start += rows


def standard_case(name, fit, extra, chunks=None, with_mean=True, with_std=True):
    fit, extra = f32(fit), f32(extra)
    scaler = StandardScaler(with_mean=with_mean, with_std=with_std)
    fit_scaler(scaler, fit, chunks)
    x = np.concatenate([fit, extra])
    transformed = scaler.transform(x.copy())
    inverse = scaler.inverse_transform(transformed.copy())
    assert transformed.dtype == np.float32 and inverse.dtype == np.float32
    return {
        "name": name, "scaler": "standard", "with_mean": with_mean, "with_std": with_std,
        "features": fit.shape[1], "chunks": chunks, "fit": floats(fit), "transform_input": floats(x),
        "mean": floats(scaler.mean_), "var": floats(scaler.var_), "scale": floats(scaler.scale_),
        "n_samples_seen": seen(scaler.n_samples_seen_, fit.shape[1]),
        "transformed": floats(transformed), "inverse": floats(inverse),
    }


def minmax_case(name, fit, extra, chunks=None, feature_range=(0, 1), clip=False):
    fit, extra = f32(fit), f32(extra)
    scaler = MinMaxScaler(feature_range=feature_range, clip=clip)
    fit_scaler(scaler, fit, chunks)
    x = np.concatenate([fit, extra])
    transformed = scaler.transform(x.copy())
    inverse = scaler.inverse_transform(transformed.copy())
    for a in (scaler.data_min_, scaler.scale_, scaler.min_, transformed, inverse):
        assert a.dtype == np.float32
    return {
        "name": name, "scaler": "minmax", "feature_min": float(feature_range[0]), "feature_max": float(feature_range[1]),
        "clip": clip, "features": fit.shape[1], "chunks": chunks, "fit": floats(fit), "transform_input": floats(x),
        "data_min": floats(scaler.data_min_), "data_max": floats(scaler.data_max_),
        "data_range": floats(scaler.data_range_), "scale": floats(scaler.scale_), "min": floats(scaler.min_),
        "n_samples_seen": seen(scaler.n_samples_seen_, fit.shape[1]),
        "transformed": floats(transformed), "inverse": floats(inverse),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "scalers.json"))
    args = parser.parse_args()
    rng = np.random.RandomState(SEED)

    def columns(rows, scales, offsets):
        return rng.randn(rows, len(scales)) * np.asarray(scales) + np.asarray(offsets)

    random = columns(60, [1, 3.5, 0.02, 250, 7], [0, -4, 0.5, 1000, -30])
    random_extra = columns(15, [2, 7, 0.04, 500, 14], [0, -4, 0.5, 1000, -30])
    wide = columns(40, rng.rand(20) * 10, rng.randn(20) * 50)
    wide_extra = columns(8, rng.rand(20) * 10, rng.randn(20) * 50)

    # Column 0 constant, column 1 zeros, column 2 a constant whose float64 mean is not the float32 value itself (the
    # variance is rounding noise, which _is_constant_feature must catch), column 3 ordinary.
    constant = np.column_stack([np.full(25, 3.7), np.zeros(25), np.full(25, 0.1), rng.randn(25)])
    constant_extra = np.column_stack([[3.7, 4.7, 2.7], [0, 1, -1], [0.1, 0.2, 0.0], rng.randn(3)])

    # Tiny variances that are not constant: absolute (1e-12 and 1e-30 around 0, float32 holds them), relative (1 and its
    # float32 neighbours: 1e-7 relative, the least float32 can hold), and a 1e-9-relative spread in float64 that float32
    # rounds to a constant.
    n = 50
    ones = np.float32(1) + rng.randint(-2, 3, n) * np.float32(2 ** -23)
    tiny = np.column_stack([rng.randn(n) * 1e-12, rng.randn(n) * 1e-30, ones, 1 + rng.randn(n) * 1e-9])
    tiny_extra = np.column_stack([rng.randn(4) * 1e-12, rng.randn(4) * 1e-30, [1, 1, 1 + 2 ** -22, 1 - 2 ** -23],
                                  [1, 1, 1, 1]])

    # Large offsets: E[x²] - E[x]² would lose every digit; the two-pass algorithm keeps them.
    large = columns(80, [1, 10, 0.5], [1e6, 1e7, -3e5])
    large_extra = columns(10, [1, 10, 0.5], [1e6, 1e7, -3e5])

    # Chunks of different means, so partial_fit's combination term matters.
    stream = np.concatenate([columns(20, [1, 2, 5], [0, 10, -100]), columns(7, [1, 2, 5], [3, 11, -90]),
                             columns(33, [2, 1, 5], [-2, 9, -110])])

    nan = columns(40, [1, 5, 2], [2, -1, 10])
    nan[rng.rand(40) < 0.3, 1] = np.nan
    nan[[3, 17], 2] = np.nan
    nan_extra = columns(5, [1, 5, 2], [2, -1, 10])
    nan_extra[[0, 3], 1] = np.nan

    single = columns(354, [77], [152])
    single_extra = columns(10, [77], [152])

    # A range below 10·eps(float32) (two neighbours of 1), one just above it, and one exactly 0 (constant).
    small_range = np.column_stack([ones, 1 + rng.randint(0, 12, n) * np.float32(2 ** -23), np.full(n, -2.5),
                                   rng.rand(n) * 4 - 1])
    small_range_extra = np.column_stack([[1, 1 + 2 ** -21], [1, 1 + 2 ** -20], [-2.5, -1.5], [-3, 5]])

    beyond = columns(30, [1, 3, 100], [0, 2, 500])
    beyond_extra = np.concatenate([columns(10, [3, 9, 300], [0, 2, 500]), [[np.nan, 1e3, -1e3]]])

    cases = [
        standard_case("random", random, random_extra),
        standard_case("wide", wide, wide_extra),
        standard_case("constant_column", constant, constant_extra),
        standard_case("tiny_variance", tiny, tiny_extra),
        standard_case("large_offset", large, large_extra),
        standard_case("with_mean_false", random, random_extra, with_mean=False),
        standard_case("with_std_false", random, random_extra, with_std=False),
        standard_case("neither", random, random_extra, with_mean=False, with_std=False),
        standard_case("partial_fit_3_chunks", stream, random_extra[:, :3], chunks=[20, 7, 33]),
        standard_case("partial_fit_large_offset", large, large_extra, chunks=[30, 1, 49]),
        standard_case("nan", nan, nan_extra),
        standard_case("nan_partial_fit", nan, nan_extra, chunks=[15, 10, 15]),
        standard_case("single_feature", single, single_extra),
        minmax_case("minmax_random", random, random_extra),
        minmax_case("minmax_range_-1_1_clip", beyond, beyond_extra, feature_range=(-1, 1), clip=True),
        minmax_case("minmax_range_-1_1", beyond, beyond_extra, feature_range=(-1, 1)),
        minmax_case("minmax_range_0.1_0.7", wide, wide_extra, feature_range=(0.1, 0.7)),
        minmax_case("minmax_small_range", small_range, small_range_extra),
        minmax_case("minmax_large_offset", large, large_extra, feature_range=(-3, 5)),
        minmax_case("minmax_partial_fit_3_chunks", stream, random_extra[:, :3], chunks=[20, 7, 33]),
        minmax_case("minmax_nan", nan, nan_extra, clip=True),
        minmax_case("minmax_nan_partial_fit", nan, nan_extra, chunks=[15, 10, 15]),
    ]
    with open(args.out, "w") as f:
        json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", args.out, len(cases), "cases")


if __name__ == "__main__":
    main()
