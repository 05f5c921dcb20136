#!/usr/bin/env bash
# The prepared GPU window: one script, one GPU, no network, at most 6 minutes (the step limits add up to
# 360 s); everything it measures goes to one folder, with a summary.
#
#   benchmarks/gpu_check.sh [--dry-run] [OUTDIR]      (OUTDIR default: $OUT, else gpu-check-<UTC time>)
#
# Steps (each with its own time limit; a failing step is recorded and the next one runs):
#   1. env         the machine: nvidia-smi, torch, CUDA                                          (15 s)
#   2. smoke       pytest claims --scale smoke -n 1 --device cuda                                 (80 s)
#   3. throughput  images/s and MFU (bf16 matmul peak) of the five paper architectures at width 1.0
#                  on generated 3x32x32 images (cropped to 28x28 as CIFAR-10 is), batch 128       (60 s)
#   4. full_r1     R1 at the full scale: true and random labels on 50,000 real Fashion-MNIST images,
#                  the five architectures at full width, as many as fit in the limit             (150 s)
#   5. runs        every finished run of step 4: epochs to fit, seconds per epoch (runs.tsv)     (10 s)
#   6. batched     the label-noise sweep of mlp1x512, batched against sequential runs, on the GPU (45 s)
# OUT/summary.tsv lists each step's exit status and seconds; OUT/<step>.log its output; the numbers
# are also in OUT/throughput.json, OUT/runs.tsv and the claim reports under OUT/reports*.
#
# Fashion-MNIST (step 4) is read from $DATA_ROOT (default .rethink-data, which travels with the working
# tree: its four .gz files are 30 MB); Debian's dataset-fashion-mnist is adopted into it where installed.
#
# --dry-run (or DRY_RUN=1): the same steps tiny, on the CPU, in under 2 minutes: R1 for mlp1x512 at
# smoke, width 0.125 throughput, the full scale rehearsed (--rehearse: 24 images, one epoch), a sweep of
# 3 levels on 200 images. It proves the script works on a machine without a GPU.
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
DATA_ROOT=${DATA_ROOT:-.rethink-data}
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" RETHINK_STORE="$DIR/store"

if [[ "$DRY" == 1 ]]; then
  DEVICE=cpu
  SMOKE=(-k "fit_random_labels and mlp1x512")
  SIZE=(--width 0.125 --images 256 --epochs 1)
  FULL=(--rehearse)
  SWEEP=(--sizes 200 --max-epochs 5 --levels 0 0.5 1.0 --seeds 1)
else
  DEVICE=cuda
  SMOKE=()
  SIZE=(--width 1.0 --images 4096 --epochs 3)
  FULL=()
  SWEEP=(--levels 0 0.2 0.4 0.6 0.8 1.0 --seeds 2)
fi

printf 'step\texit\tseconds\n' >"$DIR/summary.tsv"
FAILED=0

# step NAME LIMIT_SECONDS COMMAND...: run it under a time limit, log to DIR/NAME.log, record exit and
# seconds. Exit codes in $OK (default 0) count as success: a claims run whose claims fail (1) or that
# trains "as many as fit" until its limit (124) still measured what it was for.
step() {
  local name=$1 limit=$2 start rc
  shift 2
  echo "== $name: $*" | tee "$DIR/$name.log"
  start=$(date +%s)
  timeout "$limit" "$@" 2>&1 | tee -a "$DIR/$name.log"
  rc=${PIPESTATUS[0]}
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - start))" >>"$DIR/summary.tsv"
  [[ " ${OK:-0} " == *" $rc "* ]] || FAILED=1
}

env_info() {
  nvidia-smi || echo "(no nvidia-smi)"
  "$PYTHON" -c "import torch; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__,
'cuda', torch.version.cuda, 'GPUs', [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])"
}

runs_table() {
  "$PYTHON" - "$1" <<'PY'
import json, sys
from pathlib import Path
print("run\tstatus\tepochs\tseconds\ts_per_epoch\ttrain_acc\ttest_acc")
for path in sorted(Path(sys.argv[1]).rglob("*.json")):
    try:
        r = json.loads(path.read_text())["result"]
    except (ValueError, KeyError):
        continue
    e, epochs = r["experiment"], r["history"]["epochs"]
    last = epochs[-1]
    print(f"{e['model']} {e['variant']} n={e['n_train']}\t{r['history']['status']}\t{len(epochs)}\t{r['seconds']:.1f}\t"
          f"{r['seconds'] / len(epochs):.2f}\t{last.get('train_acc_eval') or last['train_acc']:.4f}\t{last['test_acc']:.4f}")
PY
}

export -f env_info runs_table
export PYTHON
step env 15 bash -c env_info
step smoke 80 "$PYTHON" -m pytest claims --scale smoke -n 1 --device "$DEVICE" \
  --store-dir "$DIR/store" --report-dir "$DIR/reports" "${SMOKE[@]}"
step throughput 60 "$PYTHON" benchmarks/throughput.py --device "$DEVICE" --shape 3 32 32 "${SIZE[@]}" \
  --json "$DIR/throughput.json"
OK="0 1 124" step full_r1 150 "$PYTHON" -m pytest claims --scale full -k R1 -n 1 --device "$DEVICE" --data-root "$DATA_ROOT" \
  --store-dir "$DIR/full-store" --report-dir "$DIR/reports-full" "${FULL[@]}"
step runs 10 bash -c "runs_table '$DIR/full-store' | tee '$DIR/runs.tsv'"
step batched 45 "$PYTHON" benchmarks/batched_sweep.py --arch mlp1x512 --device "$DEVICE" "${SWEEP[@]}"

echo "== summary ($DIR)"
cat "$DIR/summary.tsv"
exit $FAILED
