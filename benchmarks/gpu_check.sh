#!/usr/bin/env bash
# The prepared GPU check: one script, one GPU, no network, under 8 minutes (the step limits add up to
# 7 min 40 s); everything goes to one folder.
#
#   benchmarks/gpu_check.sh [--dry-run] [OUTDIR]      (OUTDIR default: $OUT, else gpu-check-<UTC time>)
#
# Steps (each with its own time limit; a failing step is recorded and the next one runs):
#   1. env         the machine: nvidia-smi, torch, CUDA
#   2. smoke       pytest claims --scale smoke -n 1 --device cuda --store-dir OUT/store --report-dir OUT/reports
#   3. throughput  images/s and MFU (bf16 matmul peak) of the five paper architectures at width 1.0 on
#                  generated 3x32x32 images (cropped to 28x28 as CIFAR-10 is), batch 128
#   4. compiled    the same for inception and mlp1x512 with torch.compile
#   5. fit         one random-label fit: inception, width 1.0, 5,000 generated 3x32x32 images, capped
# OUT/summary.tsv lists each step's exit status and seconds; OUT/<step>.log its output; the numbers
# are also in OUT/throughput.json, OUT/compiled.json, OUT/fit.json.
#
# --dry-run (or DRY_RUN=1): the same steps tiny, on the CPU, in about a minute: only R1 for mlp1x512
# at smoke scale, width 0.125, a few hundred images, torch.compile for mlp1x512 only. It proves the script works on a machine without a GPU.
#
# Installs nothing. Python: $PYTHON if set, else .venv/bin/python if present, else python3; it needs
# torch (CUDA build), torchvision, pillow, numpy, scipy, pytest, pytest-xdist, hypothesis, rich,
# matplotlib and filelock. The repository root goes on PYTHONPATH, so rethink_core need not be installed.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=${DRY_RUN:-0}
if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; shift; fi
DIR=${1:-${OUT:-gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" RETHINK_STORE="$DIR/store"

if [[ "$DRY" == 1 ]]; then
  DEVICE=cpu
  SMOKE=(-k "fit_random_labels and mlp1x512")
  SIZE=(--width 0.125 --images 256 --epochs 1)
  FIT=(--model mlp1x512 --width 0.125 --images 256 --n-test 64 --max-epochs 40)
  COMPILED=(mlp1x512)
else
  DEVICE=cuda
  SMOKE=()
  SIZE=(--width 1.0 --images 4096 --epochs 3)
  FIT=(--model inception --width 1.0 --images 5000 --n-test 1000 --max-epochs 60)
  COMPILED=(inception mlp1x512)
fi

printf 'step\texit\tseconds\n' >"$DIR/summary.tsv"
FAILED=0

# step NAME LIMIT_SECONDS COMMAND...: run it under a time limit, log to DIR/NAME.log, record exit and seconds.
step() {
  local name=$1 limit=$2 start rc
  shift 2
  echo "== $name: $*" | tee "$DIR/$name.log"
  start=$(date +%s)
  timeout "$limit" "$@" 2>&1 | tee -a "$DIR/$name.log"
  rc=${PIPESTATUS[0]}
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - start))" >>"$DIR/summary.tsv"
  [[ $rc == 0 ]] || FAILED=1
}

env_info() {
  nvidia-smi || echo "(no nvidia-smi)"
  "$PYTHON" -c "import torch; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__,
'cuda', torch.version.cuda, 'GPUs', [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])"
}

export -f env_info
export PYTHON
step env 20 bash -c env_info
step smoke 170 "$PYTHON" -m pytest claims --scale smoke -n 1 --device "$DEVICE" \
  --store-dir "$DIR/store" --report-dir "$DIR/reports" "${SMOKE[@]}"
step throughput 90 "$PYTHON" benchmarks/throughput.py --device "$DEVICE" --shape 3 32 32 "${SIZE[@]}" \
  --json "$DIR/throughput.json"
step compiled 90 "$PYTHON" benchmarks/throughput.py --device "$DEVICE" --shape 3 32 32 "${SIZE[@]}" --compile \
  --models "${COMPILED[@]}" --json "$DIR/compiled.json"
step fit 90 "$PYTHON" benchmarks/random_fit.py --device "$DEVICE" --shape 3 32 32 "${FIT[@]}" --json "$DIR/fit.json"

echo "== summary ($DIR)"
cat "$DIR/summary.tsv"
exit $FAILED
