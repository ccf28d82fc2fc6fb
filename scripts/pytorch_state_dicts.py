#!/usr/bin/python3
"""PyTorch side of the state_dict fixtures: the layouts and float types PyTorch users have, and what PyTorch makes of
the half-precision files StaticGrad writes.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_state_dicts.py [--golden Runtime.Tests/Golden]

Writes, into Runtime.Tests/Golden (safetensors written with the standard library, as in pytorch_safetensors.py):
  torch_sequential.safetensors   nn.Sequential(Linear(20,16), ReLU, LayerNorm(16), Linear(16,4)).state_dict():
                                 keys 0.weight, 0.bias, 2.weight, 2.bias, 3.weight, 3.bias (torch.manual_seed(15))
  torch_dataparallel.safetensors nn.DataParallel(Named()).state_dict(), Named having fc1, norm, head: keys
                                 module.fc1.weight, ... (torch.manual_seed(16))
  torch_bnmlp_f16/bf16/f64.safetensors
                                 BatchNormMlp (fc1 -> ReLU -> bn -> head) after three training batches (running
                                 statistics and num_batches_tracked = 3), state_dict converted with .half(),
                                 .bfloat16() and .double() (the F64 one with noise below float precision, so the
                                 conversion to float has to round); num_batches_tracked stays I64
Reads the files StaticGrad wrote from BatchNormMlp(seed: 7) (`UPDATE_GOLDEN=1 dotnet test Runtime.Tests --filter
StateDictFixtureTests` writes them):
  staticgrad_bnmlp_f32/f16/bf16.safetensors
checks that the F16 and BF16 ones hold exactly torch's .half() and .bfloat16() of the F32 one, loads each into a
float32 BatchNormMlp with load_state_dict(strict=True) (which converts) and computes eval-mode logits.

Everything expected goes to state_dict_expected.safetensors (F32):
  inputs [8, 20]; sequential.logits, dataparallel.logits [8, 4];
  {f16,bf16,f64}.{state_dict key}: PyTorch's tensor.float() of each float tensor of the file, and
  {f16,bf16,f64}.logits: eval-mode logits of the float32 model that loaded the file;
  staticgrad_{f32,f16,bf16}.logits: eval-mode logits of PyTorch's model loaded from StaticGrad's file;
  __metadata__: the sha256 of every file, the torch version.
Deterministic (torch.set_num_threads(1)): two runs give identical files.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from pytorch_safetensors import write_entries  # noqa: E402  (same folder: the format's writer)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = 8
DTYPE_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}
FROM_NAMES = {v: k for k, v in DTYPE_NAMES.items()}
SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8}


def tensor_bytes(t):
    """The little-endian bytes of a tensor of any of DTYPE_NAMES (bfloat16 has no numpy type: viewed as int16)."""
    t = t.detach().contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save_file(tensors, path, metadata=None):
    """Writes a safetensors file: tensors is an ordered dict name -> torch tensor, stored in its own dtype."""
    write_entries(path, [(name, DTYPE_NAMES[t.dtype], list(t.shape), tensor_bytes(t)) for name, t in tensors.items()], metadata)


def load_file(path):
    """Reads a safetensors file into (dict name -> torch tensor in the file's dtype, metadata), checking the layout."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors, expected = {}, 0
    for name, entry in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        dtype = entry["dtype"]
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if begin != expected or end - begin != count * SIZES[dtype]:
            raise ValueError(f"{path}: tensor {name!r} has bad offsets")
        expected = end
        raw = body[begin:end]
        if dtype in ("F16", "BF16"):
            t = torch.from_numpy(np.frombuffer(raw, dtype="<i2").copy()).view(FROM_NAMES[dtype])
        else:
            t = torch.from_numpy(np.frombuffer(raw, dtype={"F32": "<f4", "F64": "<f8", "I64": "<i8"}[dtype]).copy())
        tensors[name] = t.reshape(entry["shape"])
    if expected != len(body):
        raise ValueError(f"{path}: trailing bytes")
    return {k: tensors[k] for k in header}, metadata


class Named(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.norm = nn.LayerNorm(16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.norm(torch.relu(self.fc1(x))))


class BatchNormMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 16)
        self.bn = nn.BatchNorm1d(16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.bn(torch.relu(self.fc1(x))))


def randomize_norm(norm):
    """LayerNorm starts at weight 1, bias 0: other values so a wrong mapping shows in the logits."""
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def eval_logits(model, inputs):
    model.eval()
    with torch.no_grad():
        return model(inputs).float()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--golden", default=os.path.join(REPO, "Runtime.Tests", "Golden"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    out, meta = {}, {"torch": torch.__version__, "recipe": "scripts/pytorch_state_dicts.py"}

    torch.manual_seed(14)
    inputs = torch.randn(SAMPLES, 20)
    out["inputs"] = inputs

    # nn.Sequential: keys are the module indices; the ReLU (index 1) has no parameters.
    torch.manual_seed(15)
    sequential = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.LayerNorm(16), nn.Linear(16, 4))
    randomize_norm(sequential[2])
    path = os.path.join(args.golden, "torch_sequential.safetensors")
    save_file(dict(sequential.state_dict()), path, {"format": "pt"})
    out["sequential.logits"] = eval_logits(sequential, inputs)
    meta["torch_sequential.sha256"] = sha256(path)

    # nn.DataParallel: every key gains "module." (on a CPU-only machine the wrapper runs the module directly).
    torch.manual_seed(16)
    named = Named()
    randomize_norm(named.norm)
    parallel = nn.DataParallel(named)
    state = parallel.state_dict()
    assert all(k.startswith("module.") for k in state), list(state)
    path = os.path.join(args.golden, "torch_dataparallel.safetensors")
    save_file(dict(state), path, {"format": "pt"})
    out["dataparallel.logits"] = eval_logits(parallel, inputs)
    meta["torch_dataparallel.sha256"] = sha256(path)

    # Other float types: a trained-looking BatchNormMlp (three training batches move the running statistics).
    torch.manual_seed(17)
    model = BatchNormMlp()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, 20) * 2 + 0.5)
    float_state = model.state_dict()
    assert int(float_state["bn.num_batches_tracked"]) == 3
    noise = torch.Generator().manual_seed(18)
    conversions = {
        "f16": lambda t: t.half(),
        "bf16": lambda t: t.bfloat16(),
        # below float precision: the double differs from every float, so reading it must round
        "f64": lambda t: t.double() + t.double().abs() * (torch.rand(t.shape, generator=noise, dtype=torch.float64) - 0.5) * 2.0 ** -26,
    }
    for tag, convert in conversions.items():
        state = {k: (convert(v) if v.is_floating_point() else v) for k, v in float_state.items()}
        path = os.path.join(args.golden, f"torch_bnmlp_{tag}.safetensors")
        save_file(state, path, {"format": "pt"})
        meta[f"torch_bnmlp_{tag}.sha256"] = sha256(path)
        loaded = BatchNormMlp()
        loaded.load_state_dict(state, strict=True)  # copies into float32 parameters: tensor.float()
        for k, v in state.items():
            if v.is_floating_point():
                out[f"{tag}.{k}"] = v.float()
                assert torch.equal(loaded.state_dict()[k], v.float()), k
        out[f"{tag}.logits"] = eval_logits(loaded, inputs)

    # StaticGrad's files: F16 and BF16 must be exactly torch's rounding of the F32 one.
    files = {}
    for tag in ("f32", "f16", "bf16"):
        path = os.path.join(args.golden, f"staticgrad_bnmlp_{tag}.safetensors")
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run `UPDATE_GOLDEN=1 dotnet test Runtime.Tests --filter StateDictFixtureTests` first")
        files[tag], metadata = load_file(path)
        assert metadata.get("format") == "pt", metadata
        meta[f"staticgrad_bnmlp_{tag}.sha256"] = sha256(path)
    for tag, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16)):
        for k, v in files["f32"].items():
            w = files[tag][k]
            if v.is_floating_point():
                assert w.dtype == dtype, (tag, k, w.dtype)
                assert torch.equal(w.view(torch.int16), v.to(dtype).view(torch.int16)), f"{tag} {k}: not torch's rounding"
            else:
                assert w.dtype == torch.int64 and torch.equal(w, v), (tag, k)
    for tag in ("f32", "f16", "bf16"):
        loaded = BatchNormMlp()
        result = loaded.load_state_dict(files[tag], strict=True)
        assert not result.missing_keys and not result.unexpected_keys, result
        out[f"staticgrad_{tag}.logits"] = eval_logits(loaded, inputs)
        print(f"staticgrad_bnmlp_{tag}.safetensors: loaded strictly into float32 BatchNormMlp "
              f"({', '.join(f'{k} {DTYPE_NAMES[v.dtype]}' for k, v in files[tag].items())})")

    # Rounding edge cases: ties, the ends of each format's range, subnormals, infinities, NaN.
    edges = torch.tensor([0.0, -0.0, 1.0, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8,
                          65504.0, 65519.0, 65520.0, 1e-8, 3e-8, 6e-8, 1e-40, -1e-40, 3.3895314e38, 3.4028235e38,
                          float("inf"), float("-inf"), float("nan"), 0.1, -2.7182817, 123456.79], dtype=torch.float32)
    out["edges"] = edges
    out["edges.f16_bits"] = edges.half().view(torch.int16).to(torch.int32).float()
    out["edges.bf16_bits"] = edges.bfloat16().view(torch.int16).to(torch.int32).float()

    path = os.path.join(args.golden, "state_dict_expected.safetensors")
    save_file({k: v.float().contiguous() for k, v in out.items()}, path, meta)
    print(f"wrote {path}: {len(out)} tensors")


if __name__ == "__main__":
    main()
