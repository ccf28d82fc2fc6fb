#!/usr/bin/python3
"""Reference training of StaticGrad's seed MLP in PyTorch, set up exactly like the C# `train` app.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_train.py [--seeds 1 2 3] [--epochs 10]
        [--hidden 128] [--optimizer adam|sgd] [--lr 1e-3] [--momentum 0.0] [--batch 64]
        [--data Models/Data] [--json results.json]

Data: the IDX files in --data (gzip or raw), images as float32 byte/255 with no other
normalization, flattened to 784 features. Model: Linear(784, hidden) -> ReLU -> Linear(hidden, 10)
with PyTorch's default init after torch.manual_seed(seed). Loss: CrossEntropyLoss (mean).
Each epoch visits the training set in the order torch.randperm(n, generator=g) with
g = torch.Generator().manual_seed(seed), batches of --batch, the last one partial
(DataLoader drop_last=False). After each epoch: mean training loss (over samples) and test
accuracy. At the end: the final test accuracy of each seed and their mean.

Threads: torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=2 (set here if unset), the fastest
setting for this model on the 2-core reference machine.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def open_maybe_gzip(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_idx(path, expected_magic):
    with open_maybe_gzip(path) as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise SystemExit("%s: magic 0x%08X, expected 0x%08X" % (path, magic, expected_magic))
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)):
        raise SystemExit("%s: %d data bytes, header declares %r" % (path, len(body), dims))
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def find(directory, names):
    for name in names:
        for candidate in (name, name + ".gz"):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    raise SystemExit("no %s[.gz] in %s" % (names[0], directory))


def load_split(directory, prefix):
    images = read_idx(find(directory, [prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte"]), 0x803)
    labels = read_idx(find(directory, [prefix + "-labels-idx1-ubyte", prefix + "-labels.idx1-ubyte"]), 0x801)
    if images.shape[0] != labels.shape[0]:
        raise SystemExit("%s: %d images but %d labels" % (prefix, images.shape[0], labels.shape[0]))
    x = torch.from_numpy(images.reshape(images.shape[0], -1).copy()).float() / 255.0
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class SeedModel(nn.Module):
    """Linear(inputs, hidden) -> ReLU -> Linear(hidden, classes); state_dict names match StaticGrad's."""

    def __init__(self, inputs, hidden, classes):
        super().__init__()
        self.layer1 = nn.Linear(inputs, hidden)
        self.layer2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.layer2(torch.relu(self.layer1(x)))


def evaluate(model, x, y, batch=1000):
    correct = 0
    with torch.no_grad():
        for start in range(0, x.shape[0], batch):
            logits = model(x[start:start + batch])
            correct += int((logits.argmax(dim=1) == y[start:start + batch]).sum())
    return correct / x.shape[0]


def train_one(seed, args, train, test, classes):
    x_train, y_train = train
    x_test, y_test = test
    torch.manual_seed(seed)
    model = SeedModel(x_train.shape[1], args.hidden, classes)
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    n = x_train.shape[0]
    epochs = []
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        epoch_started = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        total_loss = 0.0
        for start in range(0, n, args.batch):
            index = order[start:start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
            total_loss += float(loss) * index.shape[0]
        train_seconds = time.perf_counter() - epoch_started
        accuracy = evaluate(model, x_test, y_test)
        epochs.append({"epoch": epoch, "train_loss": total_loss / n, "test_accuracy": accuracy,
                       "train_seconds": train_seconds})
        print("seed %d epoch %2d  train loss %.4f  test accuracy %.2f%%  (%.2f s)"
              % (seed, epoch, total_loss / n, 100.0 * accuracy, train_seconds), flush=True)
    return {"seed": seed, "final_test_accuracy": epochs[-1]["test_accuracy"],
            "seconds": time.perf_counter() - started, "epochs": epochs}


def main(argv):
    parser = argparse.ArgumentParser(description="PyTorch reference training of the StaticGrad seed MLP.")
    parser.add_argument("--data", default=os.path.join(REPO, "Models", "Data"), help="directory with the IDX files")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units (128 or 256 for the seed models)")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3 for adam, 0.1 for sgd)")
    parser.add_argument("--momentum", type=float, default=0.0, help="SGD momentum")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--json", metavar="PATH", help="write the configuration and results as JSON")
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = 1e-3 if args.optimizer == "adam" else 0.1

    torch.set_num_threads(1)
    train = load_split(args.data, "train")
    test = load_split(args.data, "t10k")
    classes = max(10, int(train[1].max()) + 1)
    optimizer = ("Adam(lr=%g)" % args.lr if args.optimizer == "adam"
                 else "SGD(lr=%g, momentum=%g)" % (args.lr, args.momentum))
    print("torch %s, OPENBLAS_NUM_THREADS=%s, torch threads %d" % (
        torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS"), torch.get_num_threads()))
    print("data %s: train %d, test %d, %d features, %d classes" % (
        args.data, train[0].shape[0], test[0].shape[0], train[0].shape[1], classes))
    print("model %d-%d-%d, %s, batch %d, %d epochs, seeds %s" % (
        train[0].shape[1], args.hidden, classes, optimizer, args.batch, args.epochs, args.seeds), flush=True)

    runs = [train_one(seed, args, train, test, classes) for seed in args.seeds]
    finals = [run["final_test_accuracy"] for run in runs]
    mean = sum(finals) / len(finals)
    for run in runs:
        print("seed %d: final test accuracy %.2f%% (%.1f s)" % (run["seed"], 100.0 * run["final_test_accuracy"], run["seconds"]))
    print("mean final test accuracy over %d seed(s): %.2f%%" % (len(finals), 100.0 * mean))

    if args.json:
        result = {
            "torch": torch.__version__,
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "config": {"data": args.data, "inputs": int(train[0].shape[1]), "hidden": args.hidden,
                       "classes": classes, "optimizer": args.optimizer, "lr": args.lr,
                       "momentum": args.momentum, "batch": args.batch, "epochs": args.epochs,
                       "seeds": args.seeds, "train_samples": int(train[0].shape[0]),
                       "test_samples": int(test[0].shape[0])},
            "runs": runs,
            "mean_final_test_accuracy": mean,
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
