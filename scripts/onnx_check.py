#!/usr/bin/python3
"""Checks ONNX files the way a consumer would before loading them: Debian's onnx package (python3-onnx, 1.12).

    /usr/bin/python3 scripts/onnx_check.py FILE.onnx [FILE.onnx ...]

For each file: parses the ModelProto, runs onnx.checker.check_model(model, full_check=True) (the structural
checker plus strict shape inference, which refuses, e.g., a Gemm whose weight does not fit its input), and checks
what StaticGrad's exporter promises: opset 17 of the default domain, IR version 8, and a symbolic first (batch)
dimension on every graph input and output. Prints one line per file; exits 1 if any file is refused (naming it
and the checker's message), 2 on a usage error. Runtime.Tests' OnnxCheckerTests run it on the files they write.
"""

import sys

try:
    import onnx
    from onnx import shape_inference
except ImportError:  # pragma: no cover - the test only calls the script when the import works
    sys.exit("onnx is not installed: apt-get install python3-onnx")


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != 17:
        raise ValueError(f"opset imports {opsets}, expected the default domain at version 17")
    if model.ir_version != 8:
        raise ValueError(f"IR version {model.ir_version}, expected 8")
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if not dims or not dims[0].dim_param:
            raise ValueError(f"'{value.name}' has no symbolic batch dimension")
    return len(model.graph.node)


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            nodes = check(path)
            print(f"ok: {path} ({nodes} nodes)")
        except Exception as e:  # noqa: BLE001 - every refusal is reported with its file
            failed += 1
            print(f"refused: {path}: {type(e).__name__}: {str(e).strip()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
