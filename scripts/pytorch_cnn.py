#!/usr/bin/python3
"""PyTorch reference for `train --model lenet` and `train --model cnn-bn` (Models/LeNet5.cs, Models/NormalizedCnn.cs).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_cnn.py --model lenet [--seeds 1 2 3] [--epochs 10]
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_cnn.py --model cnn-bn --seed 2

Same data, split, batch (64), epochs (10), optimizer (Adam 1e-3), shuffling scheme and reporting as
scripts/pytorch_train.py (whose data loading it imports): the shipped IDX files, pixels byte/255 with no other
normalization, reshaped to [N, 1, 28, 28]; each epoch visits the training set in torch.randperm(n, generator=g) order
with g = torch.Generator().manual_seed(seed), the last batch partial. The models, with StaticGrad's state_dict names
and PyTorch's default init after torch.manual_seed(seed):
  lenet:  conv1 Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2); conv2 Conv2d(6,16,5), ReLU, MaxPool2d(2); flatten;
          fc1 Linear(400,120), ReLU; fc2 Linear(120,84), ReLU; fc3 Linear(84,10)
  cnn-bn: the same with bn1/bn2 BatchNorm2d after each convolution (before the ReLU) and Dropout(0.25) before fc1
CrossEntropyLoss (mean). model.train() while training, model.eval() for the test accuracy after each epoch.
Threads: torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=2 (set here if unset).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_train  # noqa: E402


class LeNet5(nn.Module):
    """Models/LeNet5.cs; with batch_norm=True, Models/NormalizedCnn.cs (dropout is its Dropout probability)."""

    def __init__(self, batch_norm=False, dropout=0.25):
        super().__init__()
        self.batch_norm = batch_norm
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        if batch_norm:
            self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 16, 5)
        if batch_norm:
            self.bn2 = nn.BatchNorm2d(16)
            self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.conv1(x)
        if self.batch_norm:
            x = self.bn1(x)
        x = nn.functional.max_pool2d(torch.relu(x), 2)
        x = self.conv2(x)
        if self.batch_norm:
            x = self.bn2(x)
        x = torch.flatten(nn.functional.max_pool2d(torch.relu(x), 2), 1)
        if self.batch_norm:
            x = self.drop(x)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


def build(name, dropout=0.25):
    return LeNet5(batch_norm=(name == "cnn-bn"), dropout=dropout)


def train_one(name, seed, args, train, test):
    x_train, y_train = train
    x_test, y_test = test
    torch.manual_seed(seed)
    model = build(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # `--lr-schedule cosine` is train's: CosineAnnealingLR over the epochs, stepped after each epoch.
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs) if args.lr_schedule == "cosine" else None
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    n = x_train.shape[0]
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
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
        if scheduler is not None:
            scheduler.step()
        seconds = time.perf_counter() - started
        model.eval()
        accuracy = pytorch_train.evaluate(model, x_test, y_test)
        print("%s seed %d epoch %2d  train loss %.4f  test accuracy %.2f%%  (%.2f s)"
              % (name, seed, epoch, total / n, 100 * accuracy, seconds), flush=True)
    return accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["lenet", "cnn-bn"], default="lenet")
    parser.add_argument("--data", default=os.path.join(pytorch_train.REPO, "Models", "Data"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lr-schedule", choices=["none", "cosine"], default="none")
    parser.add_argument("--seed", type=int, help="one seed (same as --seeds N)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    seeds = [args.seed] if args.seed is not None else args.seeds
    torch.set_num_threads(1)
    x_train, y_train = pytorch_train.load_split(args.data, "train")
    x_test, y_test = pytorch_train.load_split(args.data, "t10k")
    train = (x_train.reshape(-1, 1, 28, 28), y_train)
    test = (x_test.reshape(-1, 1, 28, 28), y_test)
    print("torch %s, OPENBLAS_NUM_THREADS=%s, torch threads %d; %s, Adam(lr=%g), batch %d, %d epochs, seeds %s" % (
        torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS"), torch.get_num_threads(), args.model, args.lr,
        args.batch, args.epochs, seeds), flush=True)
    finals = [train_one(args.model, seed, args, train, test) for seed in seeds]
    print("%s final test accuracy per seed: %s" % (args.model, ", ".join("%.2f" % (100 * a) for a in finals)))
    print("mean: %.2f%%" % (100 * sum(finals) / len(finals)))


if __name__ == "__main__":
    main()
