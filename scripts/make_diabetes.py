#!/usr/bin/env python3
"""Writes Models/Data/diabetes.csv from scikit-learn's diabetes data set, for `train regression`.

The data: 442 patients, 10 baseline variables (age, sex, body mass index, average blood pressure and six
blood serum measurements), each mean-centred and scaled by scikit-learn to unit L2 norm over the 442 rows, and a
quantitative measure of disease progression one year after baseline (the target). Source: Efron, Hastie,
Johnstone and Tibshirani, "Least Angle Regression", Annals of Statistics 32 (2004), as shipped by scikit-learn
(BSD-3-Clause). See Models/Data/README.md.

The rows are shuffled once with numpy's RandomState(0), so that `train regression` and
scripts/pytorch_regression.py can both take the first 354 rows (80%) for training and the other 88 for testing
without any random number generator of their own.

Run from the repository root:  /usr/bin/python3 scripts/make_diabetes.py
"""
import numpy as np
from sklearn.datasets import load_diabetes

COLUMNS = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def main():
    data = load_diabetes()
    order = np.random.RandomState(0).permutation(len(data.target))
    with open("Models/Data/diabetes.csv", "w", encoding="ascii", newline="\n") as f:
        f.write(",".join(COLUMNS + ["target"]) + "\n")
        for i in order:
            values = [repr(float(np.float32(v))) for v in data.data[i]] + [repr(float(data.target[i]))]
            f.write(",".join(values) + "\n")
    print(f"{len(order)} rows written to Models/Data/diabetes.csv")


if __name__ == "__main__":
    main()
