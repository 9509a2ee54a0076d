#!/usr/bin/env bash
# The demo behind `make demo`, MPM's two stages on the built-in synthetic
# Human3.6M: stage I (masked 2D + masked 3D pose modeling) -> publish ->
# stage II (the lifter, encoder and trunk initialised from stage I) ->
# publish -> test, printing the tables.
#   bash tools/run_demo.sh PYTHON WORK_DIR
set -euo pipefail
PYTHON=${1:-python}
WORK_DIR=${2:-work_dirs/demo}
PRETRAIN_CONFIG=configs/demo/pretrain.py
CONFIG=configs/demo/finetune.py
cd "$(dirname "$0")/.."
start=$(date +%s)

echo "== Stage I: masked 2D + 3D pose modeling ($PRETRAIN_CONFIG)"
"$PYTHON" tools/train.py "$PRETRAIN_CONFIG" --work-dir "$WORK_DIR/pretrain"
"$PYTHON" tools/model_converters/publish_model.py \
    "$(cat "$WORK_DIR/pretrain/last_checkpoint")" "$WORK_DIR/pretrain.pth" \
    --no-hash
stage1=$(( $(date +%s) - start ))

echo "== Stage II: 3D pose estimation from stage I ($CONFIG)"
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
    --cfg-options "model.init_cfg.checkpoint=$WORK_DIR/pretrain.pth"
"$PYTHON" tools/model_converters/publish_model.py \
    "$(cat "$WORK_DIR/last_checkpoint")" "$WORK_DIR/lifter.pth" --no-hash
"$PYTHON" tools/test.py "$CONFIG" "$WORK_DIR/lifter.pth" \
    --work-dir "$WORK_DIR" --mean-pose-baseline \
    --method 'MPM (demo, 27 f)' \
    --cfg-options "model.init_cfg.checkpoint=$WORK_DIR/pretrain.pth"
echo "Stage I took ${stage1} s."

"$PYTHON" - "$WORK_DIR" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
work_dir, seconds = sys.argv[1], int(sys.argv[2])
m = json.load(open(f'{work_dir}/metrics.json'))
ratio = m['mpjpe_mm'] / m['baseline_mean_pose_mpjpe_mm']
print(f"\nDemo finished in {seconds} s: MPJPE {m['mpjpe_mm']:.1f} mm, "
      f"P-MPJPE {m['p_mpjpe_mm']:.1f} mm, N-MPJPE {m['n_mpjpe_mm']:.1f} mm; "
      f"mean-pose baseline {m['baseline_mean_pose_mpjpe_mm']:.1f} mm "
      f"(ratio {ratio:.2f}); pretrained: {m['pretrained']}.")
print(f'Config: {work_dir}/finetune.py   checkpoint: {work_dir}/lifter.pth')
if not m['pretrained']:
    sys.exit('metrics.json says pretrained: false; stage II did not start '
             'from the stage I checkpoint.')
if ratio >= 0.5:
    sys.exit('The demo model did not learn: MPJPE is not under half the '
             'mean-pose baseline.')
PY
