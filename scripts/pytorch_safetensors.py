#!/usr/bin/python3
"""PyTorch side of the safetensors interop fixtures: weights travel both ways with the same logits.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_safetensors.py [--golden Runtime.Tests/Golden]

The safetensors format is implemented here with the standard library (the `safetensors` package is
not needed): an unsigned 64-bit little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}} padded with
spaces, then the data section (little-endian, row-major). The reader checks what the C# reader
checks: sizes, dtypes, offsets that tile the data section exactly.

PyTorch -> StaticGrad. Writes, for the two seed architectures,
  torch_mlp128.safetensors   state_dict of Linear(784,128) "fc1" -> ReLU -> Linear(128,10) "fc2",
                             PyTorch's default init after torch.manual_seed(128)
  torch_mlp256.safetensors   same with "layer1"/"layer2" and 256 hidden units, torch.manual_seed(256)
The C# test loads them into MnistClassifier128/256 and compares its logits with PyTorch's.

StaticGrad -> PyTorch. Reads
  staticgrad_mlp128.safetensors, staticgrad_mlp256.safetensors
written by StaticGrad's ModelWeights.Save from MnistClassifier128/256(seed: 7) (the C# test
PyTorchInteropTests regenerates them byte for byte; `UPDATE_GOLDEN=1 dotnet test --filter
PyTorchInteropTests` rewrites them), loads each with load_state_dict(strict=True) and computes logits.

Both directions' logits go to interop_logits.safetensors:
  inputs                     [32, 784] the first 32 test digits of Models/Data, float32(byte / 255)
  torch_mlp128.logits        [32, 10] PyTorch's logits with its own weights (same for mlp256)
  staticgrad_mlp128.logits   [32, 10] PyTorch's logits with the StaticGrad-written weights
  __metadata__               sha256 of each weights file used, the torch version, the recipe
All in float32 with torch.set_num_threads(1); deterministic: two runs give identical files.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = 32
# BF16 is read as its 16-bit patterns and widened to float32 (exactly: a bfloat16 is a float32's upper half), as NumPy
# has no bfloat16.
DTYPES = {"F32": (np.float32, 4), "F64": (np.float64, 8), "F16": (np.float16, 2), "BF16": (np.uint16, 2), "I64": (np.int64, 8), "I32": (np.int32, 4), "U8": (np.uint8, 1)}
MAX_HEADER = 16 << 20


def save_file(tensors, path, metadata=None):
    """Writes a safetensors file: tensors is an ordered dict name -> numpy array. float16 arrays are written as F16,
    other floats as F32 (float64 rounded to nearest), integers as I64 (PyTorch's num_batches_tracked)."""
    entries = []
    for name, array in tensors.items():
        kind = np.asarray(array).dtype
        dtype, numpy_type = ("I64", "<i8") if kind.kind in "iu" else ("F16", "<f2") if kind == np.float16 else ("F32", "<f4")
        array = np.array(array, dtype=numpy_type, order="C")  # keeps a scalar 0-d
        entries.append((name, dtype, list(array.shape), array.tobytes()))
    write_entries(path, entries, metadata)


def write_entries(path, entries, metadata=None):
    """Writes a safetensors file from (name, dtype, shape, little-endian bytes) entries, in order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    for name, dtype, shape, blob in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)  # the data section starts on an 8-byte boundary
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, blob in entries:
            f.write(blob)


def load_file(path):
    """Reads a safetensors file into (dict name -> numpy array, metadata), validating it; BF16 tensors come as float32."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n < 2 or n > MAX_HEADER or n > len(data) - 8:
        raise ValueError(f"{path}: bad header length {n}")
    if data[8:9] != b"{":
        raise ValueError(f"{path}: the header does not start with '{{'")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path}: duplicate key in the header")
        return dict(pairs)

    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError(f"{path}: metadata values must be strings")
    body = data[8 + n:]
    tensors = {}
    spans = []
    for name, entry in header.items():
        if set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{path}: tensor {name!r} has fields {sorted(entry)}")
        if entry["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {entry['dtype']!r}; this reader knows {', '.join(DTYPES)}")
        dtype, size = DTYPES[entry["dtype"]]
        shape = entry["shape"]
        begin, end = entry["data_offsets"]
        if any(not isinstance(d, int) or d < 0 for d in shape) or not (0 <= begin <= end <= len(body)):
            raise ValueError(f"{path}: tensor {name!r} has a bad shape or offsets")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * size:
            raise ValueError(f"{path}: tensor {name!r}: {end - begin} bytes for shape {shape}")
        array = np.frombuffer(body, dtype=np.dtype(dtype).newbyteorder("<"), count=(end - begin) // size, offset=begin).reshape(shape)
        tensors[name] = (array.astype(np.uint32) << 16).view(np.float32) if entry["dtype"] == "BF16" else array
        spans.append((begin, end, name))
    expected = 0
    for begin, end, name in sorted(spans):
        if begin != expected:
            raise ValueError(f"{path}: tensor {name!r} starts at {begin}, expected {expected} (overlap or gap)")
        expected = end
    if expected != len(body):
        raise ValueError(f"{path}: {len(body) - expected} trailing bytes")
    return tensors, metadata


def read_idx_images(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
    assert magic == 0x803, hex(magic)
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows * cols)


class Mlp(nn.Module):
    def __init__(self, hidden, first, second):
        super().__init__()
        self.first_name, self.second_name = first, second
        setattr(self, first, nn.Linear(784, hidden))
        setattr(self, second, nn.Linear(hidden, 10))

    def forward(self, x):
        return getattr(self, self.second_name)(torch.relu(getattr(self, self.first_name)(x)))


ARCHITECTURES = {"mlp128": (128, "fc1", "fc2"), "mlp256": (256, "layer1", "layer2")}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--golden", default=os.path.join(REPO, "Runtime.Tests", "Golden"))
    parser.add_argument("--data", default=os.path.join(REPO, "Models", "Data"))
    args = parser.parse_args()
    torch.set_num_threads(1)

    images = read_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))[:SAMPLES]
    inputs = torch.from_numpy((images.astype(np.float32) / np.float32(255)).astype(np.float32))
    out = {"inputs": inputs.numpy()}
    meta = {
        "torch": torch.__version__,
        "inputs": f"the first {SAMPLES} images of Models/Data/t10k-images-idx3-ubyte.gz as float32(byte / 255)",
        "recipe": "scripts/pytorch_safetensors.py",
    }

    for name, (hidden, first, second) in ARCHITECTURES.items():
        # PyTorch -> StaticGrad: PyTorch's own weights, written with state_dict names.
        torch.manual_seed(hidden)
        model = Mlp(hidden, first, second).eval()
        path = os.path.join(args.golden, f"torch_{name}.safetensors")
        save_file({k: v.detach().numpy() for k, v in model.state_dict().items()}, path, {"format": "pt"})
        reloaded, _ = load_file(path)
        assert all(np.array_equal(reloaded[k], v.numpy()) for k, v in model.state_dict().items())
        with torch.no_grad():
            out[f"torch_{name}.logits"] = model(inputs).numpy()
        meta[f"torch_{name}.sha256"] = sha256(path)

        # StaticGrad -> PyTorch: the file StaticGrad wrote, loaded strictly.
        path = os.path.join(args.golden, f"staticgrad_{name}.safetensors")
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: run `UPDATE_GOLDEN=1 dotnet test Runtime.Tests --filter PyTorchInteropTests` first")
        tensors, metadata = load_file(path)
        assert metadata.get("format") == "pt", metadata
        model = Mlp(hidden, first, second).eval()
        result = model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
        assert not result.missing_keys and not result.unexpected_keys, result
        with torch.no_grad():
            out[f"staticgrad_{name}.logits"] = model(inputs).numpy()
        meta[f"staticgrad_{name}.sha256"] = sha256(path)
        print(f"{name}: PyTorch wrote torch_{name}.safetensors; loaded staticgrad_{name}.safetensors strictly "
              f"({', '.join(f'{k} {list(v.shape)}' for k, v in tensors.items())})")

    path = os.path.join(args.golden, "interop_logits.safetensors")
    save_file(out, path, meta)
    print(f"wrote {path}: {', '.join(f'{k} {list(v.shape)}' for k, v in out.items())}")


if __name__ == "__main__":
    main()
