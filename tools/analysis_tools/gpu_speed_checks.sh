#!/usr/bin/env bash
# The GPU speed checks of the README's "Speed" section in one call: the
# CUDA tests, then benchmark.py for (1) stage II at batch 1024, bf16,
# device-resident windows, against the official P-STMO step, (3) the
# DataLoader path in fp32, (2) stage I and II on the Human3.6M-sized set and
# (4) torch.compile against eager. Each step has its own time limit and a
# failing step does not stop the others; logs and JSON files go to OUT.
#
#   bash tools/analysis_tools/gpu_speed_checks.sh [OUT]
#
# Environment: PY (python, default python3), OFFICIAL_ROOT (a checkout of
# https://github.com/paTRICK-swk/P-STMO outside this repository; step 1
# runs without the comparison when unset), DEV (cuda; DEV=cpu with
# EXTRA="--batch-size 2 --steps 1" is a dry run of the script on a CPU).
set -u
export PYTHONUNBUFFERED=1
OUT_DIR=${1:-work_dirs/gpu_speed_checks}
PY=${PY:-python3}
DEV=${DEV:-cuda}
EXTRA=${EXTRA:-}
mkdir -p "$OUT_DIR"
LOG=$OUT_DIR/all.log
: > "$LOG"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv \
    2>/dev/null || echo 'no nvidia-smi'
  $PY -c "import platform, torch, mmengine; print('torch', torch.__version__, 'mmengine', mmengine.__version__, 'python', platform.python_version(), torch.cuda.get_device_name() if torch.cuda.is_available() else 'no CUDA device')"
} | tee "$OUT_DIR/machine.txt"
if [ ! -f data/synthetic_h36m/data_3d_h36m.npz ]; then
  $PY tools/dataset_converters/make_synthetic_h36m.py \
    --out-dir data/synthetic_h36m >> "$LOG" 2>&1
fi
OFFICIAL=()
if [ -n "${OFFICIAL_ROOT:-}" ]; then
  OFFICIAL=(--official-root "$OFFICIAL_ROOT")
fi
B=("$PY" tools/analysis_tools/benchmark.py)
step() {
  local name=$1 limit=$2
  shift 2
  local start
  start=$(date +%s)
  echo "=== $name: $*" >> "$LOG"
  timeout "$limit" "$@" >> "$LOG" 2>&1
  local rc=$?
  echo "=== $name: exit $rc after $(( $(date +%s) - start )) s" | tee -a "$LOG"
}
step tests 100 "$PY" -m pytest -q -p no:cacheprovider \
  tests/test_engine/test_cuda_paths.py tests/test_tools/test_benchmark.py
step target 120 "${B[@]}" configs/mpm/finetune_h36m_cpn_243f.py \
  --device "$DEV" --amp --device-windows --data synthetic --steps 20 \
  "${OFFICIAL[@]}" --json "$OUT_DIR/target.json" $EXTRA
step loader_fp32 70 "${B[@]}" configs/mpm/finetune_h36m_cpn_243f.py \
  --device "$DEV" --data synthetic --steps 15 --workers 8 \
  --json "$OUT_DIR/loader_fp32.json" $EXTRA
step h36m_size 130 "${B[@]}" configs/mpm/pretrain_h36m_243f.py \
  configs/mpm/finetune_h36m_cpn_243f.py --device "$DEV" --amp \
  --device-windows --h36m-size --steps 15 --json "$OUT_DIR/h36m_size.json" \
  $EXTRA
if [ "$DEV" = cuda ]; then
  step compile 100 "${B[@]}" configs/mpm/finetune_h36m_cpn_243f.py \
    --device "$DEV" --amp --device-windows --data synthetic --steps 15 \
    --compile --json "$OUT_DIR/compile.json" $EXTRA
fi
echo "=== summary (full numbers in $OUT_DIR/*.json)"
for f in "$OUT_DIR"/*.json; do
  [ -f "$f" ] || continue
  $PY - "$f" <<'PYEOF'
import json
import os.path as osp
import sys

KEYS = ('batch_size', 'amp', 'train_step_s', 'samples_per_s', 'data_share',
        'peak_gpu_mb', 'peak_gpu_mb_all', 'epoch_s', 'infer_frames_per_s',
        'official_step_s', 'speedup', 'compiled_step_s', 'compile_speedup')
result = json.load(open(sys.argv[1]))
for r in result if isinstance(result, list) else [result]:
    values = ', '.join(f'{k}={r[k]}' for k in KEYS if r.get(k) is not None)
    print(f"{osp.basename(sys.argv[1])}: {r.get('config')}: {values}")
PYEOF
done
