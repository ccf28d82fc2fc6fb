#!/usr/bin/python3
"""PyTorch 1.13 reference values for back-propagating a loss of the caller's own (Runtime.Tests/Models/CustomGradientGoldenTests.cs):
the generated ForwardForBackward + Backward against PyTorch's `out = model(x); loss = my_loss(out); loss.backward()`.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_custom_gradient.py

Cases, the models of scripts/golden_cnn.py (same layers, state_dict names and weights: golden_cnn.build with its own seed):
  LeNet5                  Models/LeNet5.cs; knowledge distillation: 0.7 * cross_entropy(out, labels)
                          + 0.3 * T^2 * kl_div(log_softmax(out / T), softmax(teacher / T), 'batchmean') at T = 2, with
                          fixed teacher logits
  NormalizedCnnNoDropout  Runtime.Tests/Models/CnnModels.cs (batch norm in train mode: batch statistics, running ones
                          updated); a multi-term loss: cross_entropy(out, labels) + 0.05 * mean(out^2) (a logit penalty)
                          + 0.2 * l1_loss(softmax(out), soft_targets)
Per case, Runtime.Tests/Golden/custom_gradient_{name}_state.safetensors is the initial state_dict (the C# test loads it
with ModelWeights.Load), and Runtime.Tests/Golden/custom_gradient_{name}.safetensors holds:
  inputs, labels (I64), teacher or soft_targets
  outputs         the train-mode logits model(x)
  output_grad     dLoss/d(outputs), what the test passes to Backward
  grad.{p}        every parameter's gradient after loss.backward()
  buffer.{b}      every buffer after the forward pass (running statistics and counters moved by train mode)
and loss, the loss's value (a float32 scalar, for the test's own gradient check of the distillation formula).
All float32 with torch.set_num_threads(1); two runs give identical files.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_cnn import build  # noqa: E402
from pytorch_cnn import LeNet5  # noqa: E402
from pytorch_safetensors import save_file  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Runtime.Tests", "Golden")
BATCH = 6
CLASSES = 10
TEMPERATURE = 2.0


def distillation(out, labels, extra):
    teacher = extra["teacher"]
    soft = F.kl_div(F.log_softmax(out / TEMPERATURE, dim=1), F.softmax(teacher / TEMPERATURE, dim=1), reduction="batchmean")
    return 0.7 * F.cross_entropy(out, labels) + 0.3 * TEMPERATURE * TEMPERATURE * soft


def multi_term(out, labels, extra):
    return F.cross_entropy(out, labels) + 0.05 * (out * out).mean() + 0.2 * F.l1_loss(F.softmax(out, dim=1), extra["soft_targets"])


CASES = [
    # name, factory, seed, loss, the extra tensor's name
    ("LeNet5", lambda: LeNet5(), 81, distillation, "teacher"),
    ("NormalizedCnnNoDropout", lambda: LeNet5(batch_norm=True, dropout=0.0), 82, multi_term, "soft_targets"),
]


def main():
    torch.set_num_threads(1)
    for name, factory, seed, loss_function, extra_name in CASES:
        net = build(factory, seed)
        save_file({k: v.numpy() for k, v in net.state_dict().items()}, os.path.join(GOLDEN, f"custom_gradient_{name}_state.safetensors"), {"format": "pt"})
        tensors = {}
        x = torch.rand(BATCH, 1, 28, 28)
        labels = torch.randint(0, CLASSES, (BATCH,))
        extra = {extra_name: 2 * torch.randn(BATCH, CLASSES) if extra_name == "teacher" else torch.softmax(torch.randn(BATCH, CLASSES), dim=1)}
        net.train()
        out = net(x)
        out.retain_grad()
        loss = loss_function(out, labels, extra)
        loss.backward()
        tensors.update({
            "inputs": x.numpy(),
            "labels": labels.numpy(),
            extra_name: extra[extra_name].numpy(),
            "outputs": out.detach().numpy(),
            "output_grad": out.grad.numpy(),
            "loss": np.array([loss.item()], dtype=np.float32),
        })
        tensors.update({"grad." + k: p.grad.numpy().copy() for k, p in net.named_parameters()})
        tensors.update({"buffer." + k: b.numpy().copy() for k, b in net.named_buffers()})
        save_file(tensors, os.path.join(GOLDEN, f"custom_gradient_{name}.safetensors"), {"format": "expected", "torch": torch.__version__})
        print(f"{name}: loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
