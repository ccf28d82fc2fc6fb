#!/usr/bin/python3
"""PyTorch 1.13 reference values for BatchNorm1d (Runtime.Tests/Models/BatchNormGoldenTests.cs).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_batchnorm.py

For each network of Runtime.Tests/Models/BatchNormModels.cs, built here with the same layers and state_dict names:
  batchnorm_{name}.safetensors  the initial state_dict (weights moved off their init, running statistics and
                                num_batches_tracked (I64) set to non-default values), which the C# test loads
  batchnorm.json                per case: three training steps on fixed batches (model.train(), SGD lr 0.1):
                                each step's loss, every parameter's gradient and every buffer after the step;
                                then the eval-mode outputs (model.eval()) on another batch, and the train-mode
                                outputs of a batch of one (which PyTorch refuses when the net has running stats)
StaticGrad -> PyTorch: if Runtime.Tests/Golden/staticgrad_batchnorm.safetensors exists (BatchNormNet after the
three steps, saved by ModelWeights.Save; `UPDATE_GOLDEN=1 dotnet test --filter BatchNormGoldenTests` writes it),
it is loaded with load_state_dict(strict=True) and its eval outputs recorded as "staticgrad_eval_outputs".
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_safetensors import load_file, save_file  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Runtime.Tests", "Golden")
BATCH = 7
STEPS = 3
LR = 0.1


def batch_norm_net():
    return nn.Sequential(), [
        ("fc1", nn.Linear(6, 8)), ("bn1", nn.BatchNorm1d(8)), ("act", nn.ReLU()),
        ("fc2", nn.Linear(8, 5, bias=False)), ("bn2", nn.BatchNorm1d(5, momentum=0.3, affine=False)),
        ("head", nn.Linear(5, 3)),
    ], "ce"


def cumulative_net():
    return nn.Sequential(), [
        ("fc", nn.Linear(6, 4)), ("fc_act", nn.Tanh()), ("bn", nn.BatchNorm1d(4, eps=1e-3, momentum=None)), ("head", nn.Linear(4, 2)),
    ], "mse"


def no_stats_net():
    return nn.Sequential(), [
        ("fc", nn.Linear(6, 4)), ("bn", nn.BatchNorm1d(4, track_running_stats=False)), ("head", nn.Linear(4, 3)),
    ], "ce"


def build(factory, seed):
    torch.manual_seed(seed)
    net, layers, loss = factory()
    for name, module in layers:
        net.add_module(name, module)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.2 * torch.randn_like(p))
        for name, b in net.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.3 * torch.randn_like(b))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand_like(b))
            elif name.endswith("num_batches_tracked"):
                b.fill_(2)
    return net, loss


def floats(t):
    return [float(v) for v in t.detach().flatten().tolist()]


def main():
    torch.set_num_threads(1)
    cases = []
    for name, factory, seed in [("BatchNormNet", batch_norm_net, 11), ("BatchNormCumulativeNet", cumulative_net, 12), ("BatchNormNoStatsNet", no_stats_net, 13)]:
        net, loss_kind = build(factory, seed)
        state = {k: v.numpy() for k, v in net.state_dict().items()}
        save_file(state, os.path.join(GOLDEN, f"batchnorm_{name}.safetensors"), {"format": "pt"})
        optimizer = torch.optim.SGD(net.parameters(), lr=LR)
        steps = []
        for step in range(STEPS):
            x = torch.randn(BATCH, 6)
            if loss_kind == "ce":
                t = torch.randint(0, 3, (BATCH,))
                targets = t.tolist()
            else:
                t = torch.randn(BATCH, 2)
                targets = floats(t)
            net.train()
            optimizer.zero_grad()
            y = net(x)
            value = nn.functional.cross_entropy(y, t) if loss_kind == "ce" else nn.functional.mse_loss(y, t)
            value.backward()
            gradients = {k: floats(p.grad) for k, p in net.named_parameters()}
            optimizer.step()
            steps.append({
                "inputs": floats(x),
                "targets": targets,
                "loss": value.item(),
                "gradients": gradients,
                "buffers": {k: (int(b.item()) if b.dtype == torch.long else floats(b)) for k, b in net.named_buffers()},
            })
        x_eval = torch.randn(4, 6)
        net.eval()
        with torch.no_grad():
            eval_outputs = floats(net(x_eval))
        case = {"name": name, "steps": steps, "eval_inputs": floats(x_eval), "eval_outputs": eval_outputs}
        if name == "BatchNormNet":
            net.train()
            try:
                net(torch.randn(1, 6))
                case["batch_of_one"] = "accepted"
            except ValueError as e:
                case["batch_of_one"] = str(e)
            path = os.path.join(GOLDEN, "staticgrad_batchnorm.safetensors")
            if os.path.exists(path):
                tensors, _ = load_file(path)
                reloaded, _ = build(factory, seed)
                reloaded.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
                assert reloaded.bn1.num_batches_tracked.dtype == torch.long
                reloaded.eval()
                with torch.no_grad():
                    case["staticgrad_eval_outputs"] = floats(reloaded(x_eval))
                case["staticgrad_num_batches_tracked"] = int(reloaded.bn1.num_batches_tracked.item())
        cases.append(case)
    with open(os.path.join(GOLDEN, "batchnorm.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
