#!/usr/bin/env bash
# Trains the seed model for one epoch under each instruction-set setting of the .NET runtime and checks
# that the saved weights are byte-identical on every FMA path (docs/performance.md, "Determinism across
# instruction sets"). Usage: scripts/isa_determinism.sh [configuration]   (run from the repository root)
set -euo pipefail
config="${1:-Release}"
train="Models/bin/$config/net10.0/train.dll"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build Models -c "$config" -nologo -v q >/dev/null  # a no-op after the solution build

run() { # name, environment assignments...
  local name="$1"; shift
  env "$@" dotnet "$train" --epochs 1 --quiet --save-weights "$out/$name.safetensors" >/dev/null
  echo "$name: $(sha256sum < "$out/$name.safetensors" | cut -c1-16)  ($*)"
}

run default DOTNET_NOLOGO=1
run avx2 DOTNET_EnableAVX512=0
run vector128 DOTNET_PreferredVectorBitWidth=128
run nofma DOTNET_EnableAVX2=0

status=0
for name in avx2 vector128; do
  if ! cmp -s "$out/default.safetensors" "$out/$name.safetensors"; then
    echo "FAIL: weights under '$name' differ from the default instruction set" >&2
    status=1
  fi
done
# Without FMA (DOTNET_EnableAVX2=0 also disables FMA) multiply-adds round twice: deterministic, other bits.
if cmp -s "$out/default.safetensors" "$out/nofma.safetensors"; then
  echo "nofma: identical to the FMA paths"
else
  echo "nofma: differs from the FMA paths (expected: no FMA, see docs/performance.md)"
fi
exit $status
