#!/usr/bin/env bash
# The demo behind `make demo`: train the demo lifter on the built-in synthetic
# Human3.6M, publish a stripped checkpoint, test it and print the tables.
#   bash tools/run_demo.sh PYTHON WORK_DIR
set -euo pipefail
PYTHON=${1:-python}
WORK_DIR=${2:-work_dirs/demo}
CONFIG=configs/demo/lifter.py
cd "$(dirname "$0")/.."
start=$(date +%s)

"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CKPT=$(cat "$WORK_DIR/last_checkpoint")
"$PYTHON" tools/model_converters/publish_model.py "$CKPT" \
    "$WORK_DIR/lifter.pth" --no-hash
"$PYTHON" tools/test.py "$CONFIG" "$WORK_DIR/lifter.pth" \
    --work-dir "$WORK_DIR" --mean-pose-baseline --method 'STMO (demo, 27 f)'

"$PYTHON" - "$WORK_DIR" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
work_dir, seconds = sys.argv[1], int(sys.argv[2])
m = json.load(open(f'{work_dir}/metrics.json'))
ratio = m['mpjpe_mm'] / m['baseline_mean_pose_mpjpe_mm']
print(f"\nDemo finished in {seconds} s: MPJPE {m['mpjpe_mm']:.1f} mm, "
      f"P-MPJPE {m['p_mpjpe_mm']:.1f} mm, N-MPJPE {m['n_mpjpe_mm']:.1f} mm; "
      f"mean-pose baseline {m['baseline_mean_pose_mpjpe_mm']:.1f} mm "
      f"(ratio {ratio:.2f}).")
print(f'Config: {work_dir}/lifter.py   checkpoint: {work_dir}/lifter.pth')
if ratio >= 0.5:
    sys.exit('The demo model did not learn: MPJPE is not under half the '
             'mean-pose baseline.')
PY
