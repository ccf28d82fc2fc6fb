#!/usr/bin/python3
"""Golden values for the metrics (Runtime/Metrics) from scikit-learn on fixed fixtures.

    /usr/bin/python3 scripts/golden_metrics.py [--out Runtime.Tests/Golden/metrics.json]

The fixtures are drawn once from numpy's RandomState(SEED) and written into the file with the
results, so the C# test (Runtime.Tests/Metrics/MetricGoldenTests.cs) reads the same inputs.
Probabilities, scores and regression values are float32 numbers (stored exactly), handed to
scikit-learn as float64, which is what the C# side computes in.

Classification fixture: CLASSES = 6 classes; class 3 is predicted but never true (its recall divides
by zero), class 4 is true but never predicted (its precision divides by zero), class 5 never occurs
(scikit-learn's default labels leave it out of averages; `labels=range(6)` keeps it). Scores include
a tie. Regression fixtures include a constant target (R^2's zero denominator).

Appended later (so the cases above stay byte-identical): "classification_more" (balanced accuracy, F-beta, the binary
average, the normalized confusion matrix on the same fixture, and small fixtures of their edge cases) and
"regression_more" (RMSE, MAPE, explained variance and max error on the regression fixtures and a few more), and
"regression_multioutput" (2-D targets, row-major [samples, outputs]: every metric that takes `multioutput` with
'raw_values', 'uniform_average' and, for R^2 and explained variance, 'variance_weighted'; a NaN scikit-learn returns
is written as null, since JSON has no NaN).
"""
import argparse
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

SEED = 12
CLASSES = 6
N = 40


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def classification():
    rng = np.random.RandomState(SEED)
    y_true = rng.choice([0, 1, 2, 4], size=N, p=[0.3, 0.3, 0.25, 0.15])
    y_pred = y_true.copy()
    flip = rng.rand(N) < 0.35
    y_pred[flip] = rng.choice([0, 1, 2, 3], size=flip.sum())
    y_pred[y_pred == 4] = 2
    logits = rng.randn(N, CLASSES) + 2.5 * np.eye(CLASSES)[y_pred]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    proba = f32(proba)
    proba[0, :] = f32([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])  # exact zeros and one: clipping matters
    scores = f32(np.round(logits, 1))  # rounding makes ties
    scores[1, :] = f32([0.5, 0.5, 0.5, 0.1, 0.5, 0.0])  # a tie across the true class
    y_true[1] = 2
    out = {"classes": CLASSES, "labels": y_true.tolist(), "predictions": y_pred.tolist(),
           "probabilities": proba.ravel().tolist(), "scores": scores.ravel().tolist()}
    res = {}
    res["accuracy"] = M.accuracy_score(y_true, y_pred)
    res["confusion_matrix"] = M.confusion_matrix(y_true, y_pred, labels=list(range(CLASSES))).tolist()
    for zd in (0, 1):
        for labels, tag in ((None, "present"), (list(range(CLASSES)), "all")):
            p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, labels=list(range(CLASSES)),
                                                           zero_division=zd, average=None)
            res[f"per_class_zd{zd}"] = {"precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(),
                                        "support": s.tolist()}
            for avg in ("macro", "weighted", "micro"):
                p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=zd,
                                                               average=avg)
                res[f"{avg}_{tag}_zd{zd}"] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    for k in (1, 2, 3):
        res[f"top_{k}"] = M.top_k_accuracy_score(y_true, scores, k=k, labels=list(range(CLASSES)))
    res["log_loss"] = M.log_loss(y_true, proba, labels=list(range(CLASSES)))
    res["log_loss_eps_1e-3"] = M.log_loss(y_true, proba, eps=1e-3, labels=list(range(CLASSES)))
    out["expected"] = res
    return out


def regression():
    rng = np.random.RandomState(SEED + 1)
    y = f32(rng.randn(25) * 3 + 1)
    pred = f32(y + rng.randn(25) * 0.7)
    cases = [("noisy", y, pred), ("constant_target_imperfect", f32(np.full(9, 2.5)), f32(np.linspace(2, 3, 9))),
             ("constant_target_perfect", f32(np.full(4, -1.25)), f32(np.full(4, -1.25))),
             ("worse_than_mean", f32([1, 2, 3, 4]), f32([4, 3, 2, 1]))]
    return [{"name": name, "targets": t.tolist(), "predictions": p.tolist(),
             "mse": M.mean_squared_error(t, p), "mae": M.mean_absolute_error(t, p), "r2": M.r2_score(t, p)}
            for name, t, p in cases]


def classification_more(base):
    y_true, y_pred = np.array(base["labels"]), np.array(base["predictions"])
    labels = list(range(CLASSES))
    res = {"balanced_accuracy": M.balanced_accuracy_score(y_true, y_pred),
           "balanced_accuracy_adjusted": M.balanced_accuracy_score(y_true, y_pred, adjusted=True)}
    for norm in ("true", "pred", "all"):
        res[f"confusion_matrix_{norm}"] = M.confusion_matrix(y_true, y_pred, labels=labels, normalize=norm).tolist()
    for beta in (0.0, 0.5, 2.0, float("inf")):
        for zd in (0, 1):
            res[f"fbeta_{beta}_per_class_zd{zd}"] = M.fbeta_score(y_true, y_pred, beta=beta, labels=labels, average=None,
                                                                  zero_division=zd).tolist()
            for labs, tag in ((None, "present"), (labels, "all")):
                for avg in ("macro", "weighted", "micro"):
                    res[f"fbeta_{beta}_{avg}_{tag}_zd{zd}"] = float(M.fbeta_score(y_true, y_pred, beta=beta, labels=labs,
                                                                                  average=avg, zero_division=zd))
    # Small fixtures: a class only among the predictions (balanced accuracy != macro recall), and binary data.
    small = [("predicted_only", 3, [0, 0, 1, 1], [0, 2, 1, 1]),
             ("binary", 2, [0, 1, 1, 0, 1, 1, 0, 0, 1], [0, 1, 0, 0, 1, 1, 1, 0, 0]),
             ("binary_labels_2_4", 5, [2, 4, 4, 2, 2], [2, 4, 2, 2, 4]),
             ("binary_never_positive", 2, [0, 0, 0], [0, 0, 0])]
    cases = []
    for name, classes, t, p in small:
        case = {"name": name, "classes": classes, "labels": t, "predictions": p,
                "balanced_accuracy": M.balanced_accuracy_score(t, p),
                "macro_recall": M.recall_score(t, p, average="macro", zero_division=0)}
        if len(set(t) | set(p)) <= 2:
            pos = max(set(t) | set(p)) if name != "binary_never_positive" else 1
            case["positive_label"] = pos
            for zd in (0, 1):
                pr, rc, f1, _ = M.precision_recall_fscore_support(t, p, average="binary", pos_label=pos, zero_division=zd)
                case[f"binary_zd{zd}"] = {"precision": float(pr), "recall": float(rc), "f1": float(f1),
                                          "f2": float(M.fbeta_score(t, p, beta=2, average="binary", pos_label=pos,
                                                                    zero_division=zd))}
        cases.append(case)
    return {"expected": res, "cases": cases}


def regression_more():
    rng = np.random.RandomState(SEED + 2)
    y = f32(rng.randn(30) * 2 + 0.5)
    cases = [(c["name"], f32(c["targets"]), f32(c["predictions"])) for c in regression()]
    cases += [("biased", y, f32(y + 1.5)), ("zero_target", f32([0, 1, -2, 3]), f32([0.5, 1, -1, 2.5])),
              ("single", f32([2.0]), f32([1.0]))]
    return [{"name": name, "targets": t.tolist(), "predictions": p.tolist(),
             "rmse": M.mean_squared_error(t, p, squared=False), "mape": M.mean_absolute_percentage_error(t, p),
             "explained_variance": M.explained_variance_score(t, p), "max_error": M.max_error(t, p)}
            for name, t, p in cases]


def nan_to_none(value):
    """A scalar or array from scikit-learn as JSON: lists for arrays, None (null) for NaN."""
    if np.ndim(value) == 0:
        return None if np.isnan(value) else float(value)
    return [None if np.isnan(v) else float(v) for v in value]


def regression_multioutput():
    rng = np.random.RandomState(SEED + 3)
    scales, offsets = np.array([1.0, 5.0, 0.2]), np.array([0.0, -3.0, 10.0])
    y = f32(rng.randn(20, 3) * scales + offsets)
    random3 = (y, f32(y + rng.randn(20, 3) * scales * np.array([0.3, 0.8, 1.5])))
    # Columns: random, constant with imperfect predictions, constant and perfect, varying and perfect.
    y = f32(np.stack([rng.randn(6), np.full(6, 2.5), np.full(6, -1.25), rng.randn(6)], axis=1))
    p = y.copy()
    p[:, 0] = f32(y[:, 0] + rng.randn(6) * 0.5)
    p[:, 1] = f32(np.linspace(2, 3, 6))
    constant = (y, p)
    # Every column constant: variance_weighted has no weights and falls back to the uniform mean.
    all_constant = (f32([[1.5, 4], [1.5, 4], [1.5, 4], [1.5, 4], [1.5, 4]]),
                    f32([[1.5, 4.5], [1.5, 3.5], [1.5, 4], [1.5, 4], [1.5, 4.25]]))
    two = (f32([[1, -2, 0.5], [3, -2, 0.75]]), f32([[1.5, -2.5, 0.5], [2, -1, 1]]))
    one = (f32([[2, 7]]), f32([[1, 7]]))  # R^2: a single NaN even for raw_values; explained variance: 1 per output
    y = f32(1e7 + rng.randn(15, 2) * np.array([1e3, 10.0]))
    large = (y, f32(y + rng.randn(15, 2) * np.array([3e2, 4.0])))
    y = f32([[0, 1], [1, -2], [-2, 0], [3, 4]])
    zero = (y, f32(y + np.array([[0.5, 0.25], [0, 0.5], [1, -0.5], [-0.5, 0]])))
    y = f32(rng.randn(9, 12) * 2)
    many = (y, f32(y + rng.randn(9, 12)))
    y = f32(rng.randn(25, 1) * 3 + 1)
    single = (y, f32(y + rng.randn(25, 1) * 0.7))
    cases = [("random_3_outputs", random3), ("constant_and_perfect_columns", constant), ("all_constant", all_constant),
             ("two_samples", two), ("one_sample", one), ("large_values", large), ("zero_targets", zero),
             ("twelve_outputs", many), ("one_output", single)]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R^2 of one sample warns "not well-defined with less than two samples"
        for name, (t, p) in cases:
            case = {"name": name, "outputs": t.shape[1], "targets": t.ravel().tolist(), "predictions": p.ravel().tolist()}
            for key, metric, kwargs in (("mse", M.mean_squared_error, {}), ("rmse", M.mean_squared_error, {"squared": False}),
                                        ("mae", M.mean_absolute_error, {}), ("mape", M.mean_absolute_percentage_error, {}),
                                        ("r2", M.r2_score, {}), ("explained_variance", M.explained_variance_score, {})):
                case[f"{key}_raw"] = nan_to_none(metric(t, p, multioutput="raw_values", **kwargs))
                case[key] = nan_to_none(metric(t, p, multioutput="uniform_average", **kwargs))
                if key in ("r2", "explained_variance"):
                    case[f"{key}_variance_weighted"] = nan_to_none(metric(t, p, multioutput="variance_weighted", **kwargs))
            out.append(case)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("Runtime.Tests", "Golden", "metrics.json"))
    args = parser.parse_args()
    doc = {"sklearn": sklearn.__version__, "classification": classification(), "regression": regression()}
    doc["classification_more"] = classification_more(doc["classification"])
    doc["regression_more"] = regression_more()
    doc["regression_multioutput"] = regression_multioutput()
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
