#!/usr/bin/env bash
# Whole-process speed comparison of the train command against the same training in PyTorch:
# 10 epochs of the seed model 784-128-10 (Adam lr 1e-3, batch 64) on the shipped digits, seed 1,
# interpreter/runtime start, imports and data loading included on both sides.
#
#   scripts/bench_train.sh [runs]      (default 5 runs each; prints every run and the medians)
#
# Ours: the built app Models/bin/Release/net10.0/train --quiet (built first, not timed; not `dotnet run`,
# which would build). Theirs: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_train.py --seeds 1
# (torch.set_num_threads(1) inside), PyTorch's fastest setting for this model on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
python="${PYTHON:-/usr/bin/python3}"

dotnet build Models -c Release -v quiet -nologo >/dev/null
train=Models/bin/Release/net10.0/train

# time_runs NAME COMMAND...: runs the command $runs times, prints each wall time, sets $median
time_runs() {
  local name="$1"; shift
  local times=()
  for ((i = 1; i <= runs; i++)); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000000 ))")
    echo "  $name run $i: ${times[-1]} ms"
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}

echo "load average before: $(cat /proc/loadavg)"
time_runs "StaticGrad train --quiet" "$train" --quiet
ours=$median
time_runs "PyTorch pytorch_train.py --seeds 1" env OPENBLAS_NUM_THREADS=2 "$python" scripts/pytorch_train.py --seeds 1
theirs=$median
echo "load average after: $(cat /proc/loadavg)"
awk -v o="$ours" -v t="$theirs" 'BEGIN {
  printf "| whole process, 10 epochs, 784-128-10 Adam | StaticGrad %.2f s | PyTorch %.2f s | %.1fx faster |\n", o / 1000, t / 1000, t / o }'
