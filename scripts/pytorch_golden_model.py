#!/usr/bin/python3
"""Golden values for one forward + loss + backward + optimizer step of the 784-128-10 seed model.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_golden_model.py [--out Runtime.Tests/Golden]

Writes seed_model_step.bin (float32 little-endian arrays, back to back) and seed_model_step.json
(the manifest: each array's name, float offset into the .bin, count, shape, and scalar values
inline). All inputs are closed-form, so the C# test can rebuild them without reading anything:

  Parameters: one flat float32 vector in state_dict order
      layer1.weight [128, 784], layer1.bias [128], layer2.weight [10, 128], layer2.bias [10]
  (101,770 floats). Element j of the flat vector (j counts across the whole vector) is
      float32(bound_t * sin(1.7 * j + 0.3)),  bound_t = 1 / sqrt(fan_in of its tensor)
  computed in float64 with math.sin (fan_in 784 for layer1.*, 128 for layer2.*).
  Batch N = 16: x[n, i] = float32(0.5 + 0.5 * sin(0.013 * (n * 784 + i) + 0.7)),
  labels[n] = (3 * n + 1) % 10.

Outputs (PyTorch float32, torch.set_num_threads(1)):
  logits               [16, 10] of the initial parameters
  loss                 CrossEntropyLoss(reduction='mean') (inline)
  gradients            [101770] d loss / d parameters, flat in the layout above
  loss_smoothed        same with label_smoothing=0.1 (inline)
  gradients_smoothed   [101770]
  losses_adam          [3] loss before each of 3 Adam steps (inline)
  params_after_adam    [101770] after 3 steps of Adam(lr=1e-3), default betas and eps; each step is
                       zero_grad, forward on the same batch, mean loss, backward, step
  losses_sgd           [3] (inline)
  params_after_sgd     [101770] after 3 steps of SGD(lr=0.1, momentum=0.9, nesterov=True,
                       weight_decay=1e-4), same step recipe
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUTS, HIDDEN, CLASSES, BATCH = 784, 128, 10, 16
LAYOUT = [  # name, shape, fan_in
    ("layer1.weight", (HIDDEN, INPUTS), INPUTS),
    ("layer1.bias", (HIDDEN,), INPUTS),
    ("layer2.weight", (CLASSES, HIDDEN), HIDDEN),
    ("layer2.bias", (CLASSES,), HIDDEN),
]
STEPS = 3


class SeedModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(INPUTS, HIDDEN)
        self.layer2 = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.layer2(torch.relu(self.layer1(x)))


def initial_flat():
    values = []
    j = 0
    for _, shape, fan_in in LAYOUT:
        bound = 1.0 / math.sqrt(fan_in)
        for _ in range(int(np.prod(shape))):
            values.append(bound * math.sin(1.7 * j + 0.3))
            j += 1
    return np.array(values, dtype=np.float64).astype(np.float32)


def inputs():
    x = np.array([0.5 + 0.5 * math.sin(0.013 * k + 0.7) for k in range(BATCH * INPUTS)], dtype=np.float64)
    labels = np.array([(3 * n + 1) % 10 for n in range(BATCH)], dtype=np.int64)
    return torch.from_numpy(x.astype(np.float32).reshape(BATCH, INPUTS)), torch.from_numpy(labels)


def make_model(flat):
    model = SeedModel()
    state = {}
    offset = 0
    for name, shape, _ in LAYOUT:
        count = int(np.prod(shape))
        state[name] = torch.from_numpy(flat[offset:offset + count].copy().reshape(shape))
        offset += count
    model.load_state_dict(state)
    assert list(model.state_dict().keys()) == [name for name, _, _ in LAYOUT]
    return model


def flat_of(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]).numpy().astype(np.float32)


def forward_backward(flat, x, y, smoothing):
    model = make_model(flat)
    logits = model(x)
    loss = nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, y)
    loss.backward()
    return logits.detach().numpy(), float(loss), flat_of(p.grad for p in model.parameters())


def train_steps(flat, x, y, make_optimizer):
    model = make_model(flat)
    optimizer = make_optimizer(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    return np.array(losses, dtype=np.float32), flat_of(model.parameters())


def main(argv):
    parser = argparse.ArgumentParser(description="Golden values for one training step of the 784-128-10 seed model.")
    parser.add_argument("--out", default=os.path.join(REPO, "Runtime.Tests", "Golden"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    flat = initial_flat()
    x, y = inputs()
    logits, loss, gradients = forward_backward(flat, x, y, 0.0)
    _, loss_s, gradients_s = forward_backward(flat, x, y, 0.1)
    losses_adam, params_adam = train_steps(flat, x, y, lambda p: torch.optim.Adam(p, lr=1e-3))
    losses_sgd, params_sgd = train_steps(
        flat, x, y, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
    assert np.float32(loss) == losses_adam[0] == losses_sgd[0]

    arrays = [
        ("logits", logits.reshape(-1), [BATCH, CLASSES]),
        ("loss", np.array([loss], dtype=np.float32), []),
        ("gradients", gradients, [flat.size]),
        ("loss_smoothed", np.array([loss_s], dtype=np.float32), []),
        ("gradients_smoothed", gradients_s, [flat.size]),
        ("losses_adam", losses_adam, [STEPS]),
        ("params_after_adam", params_adam, [flat.size]),
        ("losses_sgd", losses_sgd, [STEPS]),
        ("params_after_sgd", params_sgd, [flat.size]),
    ]
    os.makedirs(args.out, exist_ok=True)
    blob = bytearray()
    entries = []
    for name, values, shape in arrays:
        values = np.ascontiguousarray(values, dtype="<f4")
        entry = {"name": name, "offset": len(blob) // 4, "count": int(values.size), "shape": shape}
        if values.size <= STEPS:
            inline = [float(v) for v in values]  # float32 values, exact as doubles
            if shape == []:
                entry["value"] = inline[0]
            else:
                entry["values"] = inline
        entries.append(entry)
        blob += values.tobytes()

    offset = 0
    parameters = []
    for name, shape, fan_in in LAYOUT:
        count = int(np.prod(shape))
        parameters.append({"name": name, "shape": list(shape), "offset": offset, "count": count, "fan_in": fan_in})
        offset += count

    manifest = {
        "description": "One training step of the 784-128-10 seed model (Linear-ReLU-Linear, CrossEntropyLoss mean), "
                       "computed by scripts/pytorch_golden_model.py.",
        "torch": torch.__version__,
        "dtype": "float32 little-endian",
        "bin": "seed_model_step.bin",
        "bin_floats": len(blob) // 4,
        "bin_sha256": hashlib.sha256(bytes(blob)).hexdigest(),
        "definitions": {
            "parameters": "flat[j] = float32(bound_t * sin(1.7 * j + 0.3)), bound_t = 1/sqrt(fan_in), float64 math",
            "x": "x[n, i] = float32(0.5 + 0.5 * sin(0.013 * (n * 784 + i) + 0.7)), float64 math",
            "labels": "labels[n] = (3 * n + 1) % 10",
            "adam": "3 steps of Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8): zero_grad, forward, mean CE, backward, step",
            "sgd": "3 steps of SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), same recipe",
        },
        "model": {"inputs": INPUTS, "hidden": HIDDEN, "classes": CLASSES, "batch": BATCH,
                  "parameter_count": int(flat.size), "parameters": parameters},
        "labels": [int(v) for v in y],
        "arrays": entries,
    }
    with open(os.path.join(args.out, "seed_model_step.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(args.out, "seed_model_step.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("loss %.9g, loss_smoothed %.9g" % (loss, loss_s))
    print("losses_adam %s" % [float(v) for v in losses_adam])
    print("losses_sgd %s" % [float(v) for v in losses_sgd])
    print("wrote %d floats (%d bytes) to %s" % (len(blob) // 4, len(blob), os.path.join(args.out, "seed_model_step.bin")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
