#!/usr/bin/env python3
"""Random architectures drawn from the op vocabulary, for the differential tests in Runtime.Tests.

For each architecture this writes (1) its StaticGrad declaration, into
Runtime.Tests/Models/Differential/DifferentialModels.cs, and (2) into
Runtime.Tests/Golden/differential.json: PyTorch's weights (state_dict names), a batch of inputs and
targets, and the loss and every parameter's gradient after one forward and backward pass in PyTorch 1.13
(float32). The C# test loads the weights into the generated model, runs TrainStep, and compares.

BatchNorm1d appears with random options, its running statistics moved off their defaults; Forward is compared in
eval mode (running statistics), TrainStep in training mode (batch statistics), and every buffer after the step.

Dropout appears with p = 0 (its masks come from StaticGrad's own generator, so a non-zero p cannot match
PyTorch bit for bit; the dropout kernel has its own tests).

Run from the repository root:  /usr/bin/python3 scripts/golden_differential.py
"""
import json
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261202
COUNT = 24
ACTIVATIONS = [
    ("ReLU", "ReLU", lambda: nn.ReLU()),
    ("Sigmoid", "Sigmoid", lambda: nn.Sigmoid()),
    ("Tanh", "Tanh", lambda: nn.Tanh()),
    ("LeakyReLU(0.2f)", "LeakyReLU", lambda: nn.LeakyReLU(0.2)),
    ("ELU(0.5f)", "ELU", lambda: nn.ELU(0.5)),
    ("GELU", "GELU", lambda: nn.GELU()),
    ("GELU(Approximate = \"tanh\")", "GELUTanh", lambda: nn.GELU(approximate="tanh")),
    ("SiLU", "SiLU", lambda: nn.SiLU()),
    ("Softplus(Beta = 2f, Threshold = 5f)", "Softplus", lambda: nn.Softplus(beta=2.0, threshold=5.0)),
    ("Hardswish", "Hardswish", lambda: nn.Hardswish()),
]
WIDTHS = [1, 3, 7, 16, 33]


def snake(name):
    out = ""
    for i, c in enumerate(name):
        if c.isupper() and i > 0 and not name[i - 1].isupper():
            out += "_"
        out += c.lower()
    return out


def follow_with_activation(rng, name, members, decl):
    """Half the time a norm is followed by a ReLU, Sigmoid or Tanh member: the compiler fuses it into the norm."""
    if rng.random() < 0.5:
        act = rng.choice(ACTIVATIONS[:3])
        members.append({"kind": "act", "name": name + "Act", "param": snake(name) + "_act", "module": act[2]()})
        decl.append(f"    [{act[0]}] public partial ActivationLayer {name}Act {{ get; }}")


def loss_member(loss, reduction):
    """The loss member's declaration and PyTorch's loss function for a loss kind (ce, mse, l1, smoothl1, huber, bce)."""
    red = "Reduction.Mean" if reduction == "mean" else "Reduction.Sum"
    if loss == "ce":
        return (f"    [SoftmaxCrossEntropy(Reduction = {red})] public partial SoftmaxCrossEntropyLoss Loss {{ get; }}",
                lambda y, t: F.cross_entropy(y, t, reduction=reduction))
    if loss == "mse":
        return (f"    [MseLoss(Reduction = {red})] public partial MseLoss Loss {{ get; }}",
                lambda y, t: F.mse_loss(y, t, reduction=reduction))
    if loss == "l1":
        return (f"    [L1Loss(Reduction = {red})] public partial L1Loss Loss {{ get; }}",
                lambda y, t: F.l1_loss(y, t, reduction=reduction))
    if loss == "smoothl1":
        return (f"    [SmoothL1Loss(Beta = 0.5f, Reduction = {red})] public partial SmoothL1Loss Loss {{ get; }}",
                lambda y, t: F.smooth_l1_loss(y, t, beta=0.5, reduction=reduction))
    if loss == "huber":
        return (f"    [HuberLoss(Delta = 0.7f, Reduction = {red})] public partial HuberLoss Loss {{ get; }}",
                lambda y, t: F.huber_loss(y, t, delta=0.7, reduction=reduction))
    return (f"    [BinaryCrossEntropyWithLogits(Reduction = {red})] public partial BinaryCrossEntropyWithLogitsLoss Loss {{ get; }}",
            lambda y, t: F.binary_cross_entropy_with_logits(y, t, reduction=reduction))


def draw(rng):
    inputs = rng.choice([1, 7, 33])
    members = []
    width = inputs
    widths = {"<input>": inputs}
    decl = []
    count = rng.randint(2, 6)
    for k in range(count):
        name = f"M{k}"
        param = snake(name)
        choice = rng.random()
        if k == 0 or choice < 0.4:
            out = rng.choice(WIDTHS)
            bias = rng.random() < 0.8
            act = rng.choice([None] + ACTIVATIONS) if rng.random() < 0.7 else None
            linear = nn.Linear(width, out, bias=bias)
            attrs = f"Linear({out}{'' if bias else ', Bias = false'})"
            if act is not None:
                attrs += ", " + act[0]
            members.append({"kind": "linear", "name": name, "param": param, "module": linear, "act": act})
            width = out
            decl.append(f"    [{attrs}] public partial Linear {name} {{ get; }}")
        elif choice < 0.47 and width > 1:
            # (Over one feature a layer norm outputs its bias whatever the input: the exact input gradient is 0,
            # and PyTorch's float rounding noise would be all there is to compare.)
            affine = rng.random() < 0.7
            members.append({"kind": "layernorm", "name": name, "param": param, "module": nn.LayerNorm(width, elementwise_affine=affine)})
            decl.append(f"    [LayerNorm{'' if affine else '(ElementwiseAffine = false)'}] public partial LayerNorm {name} {{ get; }}")
            follow_with_activation(rng, name, members, decl)
        elif choice < 0.58:
            affine = rng.random() < 0.7
            track = rng.random() < 0.8
            momentum = rng.choice([0.1, 0.3, None])
            members.append({"kind": "batchnorm", "name": name, "param": param,
                            "module": nn.BatchNorm1d(width, momentum=momentum, affine=affine, track_running_stats=track)})
            options = []
            if momentum is None:
                options.append("CumulativeAverage = true")
            elif momentum != 0.1:
                options.append(f"Momentum = {momentum}f")
            if not affine:
                options.append("Affine = false")
            if not track:
                options.append("TrackRunningStats = false")
            attrs = f"BatchNorm1d({', '.join(options)})" if options else "BatchNorm1d"
            decl.append(f"    [{attrs}] public partial BatchNorm1d {name} {{ get; }}")
            follow_with_activation(rng, name, members, decl)
        elif choice < 0.7:
            act = rng.choice(ACTIVATIONS)
            members.append({"kind": "act", "name": name, "param": param, "module": act[2]()})
            decl.append(f"    [{act[0]}] public partial ActivationLayer {name} {{ get; }}")
        elif choice < 0.78:
            members.append({"kind": "dropout", "name": name, "param": param, "module": nn.Dropout(0.0)})
            decl.append(f"    [Dropout(0f)] public partial Dropout {name} {{ get; }}")
        else:
            same = [n for n, w in widths.items() if w == width]
            if same and rng.random() < 0.6:
                source = rng.choice(same)
                members.append({"kind": "add", "name": name, "param": param, "module": None, "source": source})
                ref = "ModelAttribute.Input" if source == "<input>" else f"nameof({source})"
                decl.append(f"    [Add({ref})] public partial Residual {name} {{ get; }}")
            else:
                source = rng.choice(list(widths))
                members.append({"kind": "concat", "name": name, "param": param, "module": None, "source": source})
                ref = "ModelAttribute.Input" if source == "<input>" else f"nameof({source})"
                decl.append(f"    [Concat({ref})] public partial Residual {name} {{ get; }}")
                width = width + widths[source]
        widths[name] = width
    # The head: a Linear so every model ends in raw outputs for the loss.
    loss = rng.choice(["ce", "mse", "l1", "smoothl1", "huber", "bce"])
    out = rng.choice([3, 5]) if loss == "ce" else rng.choice([1, 2, 4])
    head = nn.Linear(width, out)
    # A regression head may end in an activation (the loss then takes its output).
    head_act = rng.choice([None, None] + ACTIVATIONS) if loss not in ("ce", "bce") else None
    members.append({"kind": "linear", "name": "Head", "param": "head", "module": head, "act": head_act})
    decl.append(f"    [Linear({out}){'' if head_act is None else ', ' + head_act[0]}] public partial Linear Head {{ get; }}")
    reduction = rng.choice(["mean", "sum"])
    line, fn = loss_member(loss, reduction)
    decl.append(line)
    return inputs, out, members, decl, loss, fn


class Net(nn.Module):
    """Runs the members in declaration order; Add/Concat read an earlier member's output (or the input); a member's
    activation ("act") follows it."""

    def __init__(self, members):
        super().__init__()
        self.members = members
        for m in members:
            if m["module"] is not None:
                self.add_module(m["param"], m["module"])
        self.acts = {m["name"]: m["act"][2]() for m in members if m.get("act") is not None}

    def forward(self, x):
        outputs = {"<input>": x}
        for m in self.members:
            if m["kind"] == "add":
                x = x + outputs[m["source"]]
            elif m["kind"] == "concat":
                x = torch.cat([x, outputs[m["source"]]], dim=1)
            elif m["kind"] == "flatten":
                x = torch.flatten(x, 1)
            else:
                x = getattr(self, m["param"])(x)
                if m["name"] in self.acts:
                    x = self.acts[m["name"]](x)
            outputs[m["name"]] = x
        return x


def initialize(net):
    """Moves the weights off their init so the norms' weight/bias are not trivially 1/0, and the running statistics off
    0/1 so eval mode is not the identity."""
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
        for key, b in net.named_buffers():
            if key.endswith("running_mean"):
                b.copy_(0.3 * torch.randn_like(b))
            elif key.endswith("running_var"):
                b.copy_(0.5 + torch.rand_like(b))
            elif key.endswith("num_batches_tracked"):
                b.fill_(2)


def main():
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    cases = []
    classes = []
    for index in range(COUNT):
        inputs, out, members, decl, loss, fn = draw(rng)
        net = Net(members)
        initialize(net)
        # Batch norm refuses a batch of one in training mode, as StaticGrad does.
        has_batchnorm = any(m["kind"] == "batchnorm" for m in members)
        batch = rng.choice([5, 17] if has_batchnorm else [1, 5, 17])
        x = torch.randn(batch, inputs)
        if loss == "ce":
            t = torch.randint(0, out, (batch,))
            targets = t.tolist()
        elif loss == "bce":
            t = torch.rand(batch, out)
            targets = t.flatten().tolist()
        else:
            t = torch.randn(batch, out)
            targets = t.flatten().tolist()
        state = {k: (v.flatten().tolist() if v.dtype != torch.long else [int(v.item())]) for k, v in net.state_dict().items()}
        net.eval()
        with torch.no_grad():
            eval_outputs = net(x).flatten().tolist()
        net.train()
        y = net(x)
        value = fn(y, t)
        net.zero_grad()
        value.backward()
        name = f"Differential{index:02d}"
        classes.append(f"[Model(Inputs = {inputs})]\npublic partial class {name}\n{{\n" + "\n".join(decl) + "\n}\n")
        cases.append({
            "name": name,
            "batch": batch,
            "inputs": x.flatten().tolist(),
            "targets": targets,
            "loss": value.item(),
            "outputs": eval_outputs,
            "parameters": state,
            "gradients": {k: p.grad.flatten().tolist() for k, p in net.named_parameters()},
            "buffers_after": {k: (b.flatten().tolist() if b.dtype != torch.long else [int(b.item())]) for k, b in net.named_buffers()},
        })
    header = ("// <auto-generated/> by scripts/golden_differential.py: random architectures from the op vocabulary.\n"
              "// Regenerate with the script; the fixture Runtime.Tests/Golden/differential.json must match.\n"
              "#pragma warning disable CS1591\n\nusing StaticGrad;\n\nnamespace StaticGrad.Runtime.Tests.Models.Differential;\n\n")
    with open("Runtime.Tests/Models/Differential/DifferentialModels.cs", "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n".join(classes))
    with open("Runtime.Tests/Golden/differential.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump({"torch": torch.__version__, "seed": SEED, "cases": cases}, f)
    print(f"{len(cases)} architectures")


if __name__ == "__main__":
    main()
