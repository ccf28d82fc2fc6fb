#!/usr/bin/env python3
"""PyTorch reference for `train --model resmlp`: the residual MLP of Models/ResidualMlp.cs on the shipped digits.

Same data, split, batch (64), epochs (10), optimizer (Adam 1e-3), shuffling scheme and reporting as
scripts/pytorch_train.py (whose data loading it imports). The model, with StaticGrad's state_dict names:
stem Linear(784,128); two blocks x + fc(Dropout(0.1)(GELU(fc(LayerNorm(x))))); norm3 LayerNorm(128); head
Linear(128,10); CrossEntropyLoss. model.train() while training, model.eval() for the test accuracy.

  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_resmlp.py            # seeds 1 2 3
"""
import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_train  # noqa: E402


class ResidualMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(784, 128)
        self.norm1 = nn.LayerNorm(128)
        self.fc1 = nn.Linear(128, 128)
        self.drop1 = nn.Dropout(0.1)
        self.fc2 = nn.Linear(128, 128)
        self.norm2 = nn.LayerNorm(128)
        self.fc3 = nn.Linear(128, 128)
        self.drop2 = nn.Dropout(0.1)
        self.fc4 = nn.Linear(128, 128)
        self.norm3 = nn.LayerNorm(128)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        stem = self.stem(x)
        res1 = stem + self.fc2(self.drop1(nn.functional.gelu(self.fc1(self.norm1(stem)))))
        res2 = res1 + self.fc4(self.drop2(nn.functional.gelu(self.fc3(self.norm2(res1)))))
        return self.head(self.norm3(res2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(pytorch_train.REPO, "Models", "Data"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    torch.set_num_threads(1)
    x_train, y_train = pytorch_train.load_split(args.data, "train")
    x_test, y_test = pytorch_train.load_split(args.data, "t10k")
    finals = []
    for seed in args.seeds:
        torch.manual_seed(seed)
        model = ResidualMlp()
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        loss_fn = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(seed)
        n = x_train.shape[0]
        for epoch in range(1, args.epochs + 1):
            model.train()
            order = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, args.batch):
                index = order[start:start + args.batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x_train[index]), y_train[index])
                loss.backward()
                optimizer.step()
                total += float(loss) * index.shape[0]
            model.eval()
            accuracy = pytorch_train.evaluate(model, x_test, y_test)
            print("seed %d epoch %2d  train loss %.4f  test accuracy %.2f%%" % (seed, epoch, total / n, 100 * accuracy), flush=True)
        finals.append(accuracy)
    print("final test accuracy per seed: " + ", ".join("%.2f" % (100 * a) for a in finals))
    print("mean: %.2f%%" % (100 * sum(finals) / len(finals)))


if __name__ == "__main__":
    main()
