#!/usr/bin/env python3
"""PyTorch reference for `train regression`: the diabetes MLP of Models/DiabetesRegressor.cs.

Models/Data/diabetes.csv (scripts/make_diabetes.py): the first 354 rows train, the other 88 test. The target is
standardized with the training rows' mean and population standard deviation; the model is Linear(10, 64) -> ReLU
-> Linear(64, 1) after torch.manual_seed(seed), MSELoss, Adam (lr 1e-3), batch 32, a new torch.randperm order per
epoch, 200 epochs. Prints each seed's test MSE (in the target's units) and R^2 (scikit-learn's r2_score), and the means.

  /usr/bin/python3 scripts/pytorch_regression.py
"""
import argparse
import os

import numpy as np
import torch
from sklearn.metrics import mean_squared_error, r2_score
from torch import nn

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN_ROWS = 354


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(REPO, "Models", "Data", "diabetes.csv"))
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = np.loadtxt(args.data, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = torch.from_numpy(table[:, :10]), table[:, 10]
    x_train, x_test = x[:TRAIN_ROWS], x[TRAIN_ROWS:]
    y_train, y_test = y[:TRAIN_ROWS], y[TRAIN_ROWS:]
    mean, std = float(y_train.mean()), float(y_train.std())
    t_train = torch.from_numpy((y_train - mean) / std).reshape(-1, 1)
    results = []
    for seed in args.seeds:
        torch.manual_seed(seed)
        model = nn.Sequential()
        model.add_module("hidden", nn.Linear(10, 64))
        model.add_module("relu", nn.ReLU())
        model.add_module("output", nn.Linear(64, 1))
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(args.epochs):
            order = torch.randperm(TRAIN_ROWS, generator=generator)
            for start in range(0, TRAIN_ROWS, 32):
                index = order[start:start + 32]
                optimizer.zero_grad(set_to_none=True)
                loss = nn.functional.mse_loss(model(x_train[index]), t_train[index])
                loss.backward()
                optimizer.step()
        with torch.no_grad():
            predictions = model(x_test).numpy().reshape(-1) * std + mean
        mse, r2 = mean_squared_error(y_test, predictions), r2_score(y_test, predictions)
        results.append((mse, r2))
        print("seed %d: test MSE %.1f, R2 %.4f" % (seed, mse, r2))
    print("mean: test MSE %.1f, R2 %.4f" % (np.mean([r[0] for r in results]), np.mean([r[1] for r in results])))


if __name__ == "__main__":
    main()
