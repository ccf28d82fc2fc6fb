#!/usr/bin/env bash
# Trains the seed model and LeNet-5 (--model lenet: the convolution, pooling and their backward kernels) for one epoch
# under each instruction-set setting of the .NET runtime and checks that the saved weights are byte-identical on every
# FMA path (docs/performance.md, "Results independent of the instruction set"). About 2 s per run.
# Usage: scripts/isa_determinism.sh [configuration]   (run from the repository root)
set -euo pipefail
config="${1:-Release}"
train="Models/bin/$config/net10.0/train.dll"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build Models -c "$config" -nologo -v q >/dev/null  # a no-op after the solution build

run() { # model (seed or a --model name), setting name, environment assignments...
  local model="$1" name="$2"; shift 2
  local args=()
  if [ "$model" != seed ]; then args=(--model "$model"); fi
  env "$@" dotnet "$train" "${args[@]}" --epochs 1 --quiet --save-weights "$out/$model.$name.safetensors" >/dev/null
  echo "$model $name: $(sha256sum < "$out/$model.$name.safetensors" | cut -c1-16)  ($*)"
}

status=0
for model in seed lenet; do
  run "$model" default DOTNET_NOLOGO=1
  run "$model" avx2 DOTNET_EnableAVX512=0
  run "$model" vector128 DOTNET_PreferredVectorBitWidth=128
  run "$model" nofma DOTNET_EnableAVX2=0

  for name in avx2 vector128; do
    if ! cmp -s "$out/$model.default.safetensors" "$out/$model.$name.safetensors"; then
      echo "FAIL: $model weights under '$name' differ from the default instruction set" >&2
      status=1
    fi
  done
  # Without FMA (DOTNET_EnableAVX2=0 also disables FMA) multiply-adds round twice: deterministic, other bits.
  if cmp -s "$out/$model.default.safetensors" "$out/$model.nofma.safetensors"; then
    echo "$model nofma: identical to the FMA paths"
  else
    echo "$model nofma: differs from the FMA paths (expected: no FMA, see docs/performance.md)"
  fi
done
exit $status
