#!/usr/bin/env bash
# TorchSharp (libtorch 2.10) as a benchmark peer: builds Benchmarks/TorchSharpPeer in Release, makes its glue library
# load on Debian 12, and runs it with the arguments given (see its Program.cs), e.g.
#
#   scripts/torchsharp_peer.sh                                  # every case, a table
#   scripts/torchsharp_peer.sh --json --repeats 7 --only seed128_adam_b64,mlp256_infer_b64
#
# `Benchmarks -- compare` and `-- lenet` run it with --json. The peer is never part of StaticGrad.slnx or CI.
#
# Why the patch: TorchSharp 0.107's libLibTorchSharp.so is built with GCC 13 and needs the symbol version
# GLIBCXX_3.4.32 from libstdc++, which Debian 12's GCC 12 libstdc++ lacks, so the loader refuses it. Its only symbol of
# that version is std::ios_base_library_init(). The script marks that version requirement weak in the copy of the
# library in the peer's build output (scripts/elf_weak_version.py; the NuGet cache's copy stays as restored) and
# preloads a library with an empty definition of the function (scripts/ios_base_library_init.cpp, built with g++).
#
# The build log is printed only if the build fails; everything but the peer's own output goes to stderr, so
# stdout stays one JSON document with --json.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
project="$root/Benchmarks/TorchSharpPeer/TorchSharpPeer.csproj"

for tool in dotnet python3 g++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "torchsharp_peer.sh: '$tool' not found on PATH" >&2
    exit 1
  fi
done

if ! log="$(nice dotnet build "$project" -c Release --nologo 2>&1)"; then
  printf '%s\n' "$log" >&2
  echo "torchsharp_peer.sh: building $project failed (the TorchSharp-cpu package must restore from NuGet)" >&2
  exit 1
fi
out="$(dotnet msbuild "$project" -p:Configuration=Release -getProperty:TargetDir)"
out="${out%/}"

python3 "$root/scripts/elf_weak_version.py" "$out/libLibTorchSharp.so" GLIBCXX_3.4.32 --file libstdc++.so.6 >&2

stub_source="$root/scripts/ios_base_library_init.cpp"
stub="$out/libios_base_library_init.so"
if [ ! -e "$stub" ] || [ "$stub_source" -nt "$stub" ]; then
  g++ -shared -fPIC -O2 -Wall -Wextra -Werror -o "$stub" "$stub_source"
fi

LD_PRELOAD="$stub${LD_PRELOAD:+:$LD_PRELOAD}" exec "$out/TorchSharpPeer" "$@"
