#!/usr/bin/env bash
# The demo behind `make demo`, MPM's two stages on the built-in data:
# stage I (masked 2D + masked 3D pose modeling on the synthetic Human3.6M
# and the motion corpus) -> publish -> stage II (the lifter, encoder and
# trunk initialised from stage I, fine-tuned on the synthetic Human3.6M and
# paired corpus windows) -> publish -> tests on S9/S11 and on five corpus
# motion families no stage II saw, printing the tables. Writes
# WORK_DIR/lifter.py (the config) beside WORK_DIR/lifter.pth.
#   bash tools/run_demo.sh PYTHON WORK_DIR
set -euo pipefail
PYTHON=${1:-python}
WORK_DIR=${2:-work_dirs/demo}
PRETRAIN_CONFIG=configs/demo/pretrain_corpus.py
CONFIG=configs/demo/finetune.py
CORPUS_TEST=configs/demo/lifter_corpus_test.py
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
# Tested with the lifter config (same model; its training set, the synthetic
# Human3.6M, gives the mean pose of the baseline) and the stage I file named,
# so that metrics.json says pretrained: true.
"$PYTHON" tools/test.py configs/demo/lifter.py "$WORK_DIR/lifter.pth" \
    --work-dir "$WORK_DIR" --mean-pose-baseline \
    --method 'MPM (demo, 27 f)' \
    --cfg-options model.init_cfg.type=PretrainedParts \
    "model.init_cfg.checkpoint=$WORK_DIR/pretrain.pth"
echo "== Motion it never saw: held-out corpus families ($CORPUS_TEST)"
"$PYTHON" tools/test.py "$CORPUS_TEST" "$WORK_DIR/lifter.pth" \
    --work-dir "$WORK_DIR/test_unseen_families" --mean-pose-baseline \
    --method 'MPM (demo, 27 f), unseen families'
echo "Stage I took ${stage1} s."
# The lifter's config for infer.py / test.py, written last (tools/test.py
# dumps the config it ran into the work dir): the fine-tuning config without
# the stage I initialisation (lifter.pth holds every weight).
"$PYTHON" - "$WORK_DIR" <<'PY'
import sys
from mmengine.config import Config
work_dir = sys.argv[1]
cfg = Config.fromfile(f'{work_dir}/finetune.py')
cfg.model.init_cfg = None
cfg.dump(f'{work_dir}/lifter.py')
PY

"$PYTHON" - "$WORK_DIR" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
work_dir, seconds = sys.argv[1], int(sys.argv[2])
m = json.load(open(f'{work_dir}/metrics.json'))
u = json.load(open(f'{work_dir}/test_unseen_families/metrics.json'))
ratio = m['mpjpe_mm'] / m['baseline_mean_pose_mpjpe_mm']
unseen_ratio = u['mpjpe_mm'] / u['baseline_mean_pose_mpjpe_mm']
print(f"\nDemo finished in {seconds} s: MPJPE {m['mpjpe_mm']:.1f} mm, "
      f"P-MPJPE {m['p_mpjpe_mm']:.1f} mm, N-MPJPE {m['n_mpjpe_mm']:.1f} mm; "
      f"mean-pose baseline {m['baseline_mean_pose_mpjpe_mm']:.1f} mm "
      f"(ratio {ratio:.2f}); pretrained: {m['pretrained']}.")
print(f"Unseen motion families (jump, throw, kick, kneel, spin; Human3.6M "
      f"cameras): MPJPE {u['mpjpe_mm']:.1f} mm, P-MPJPE "
      f"{u['p_mpjpe_mm']:.1f} mm; mean-pose baseline "
      f"{u['baseline_mean_pose_mpjpe_mm']:.1f} mm (ratio {unseen_ratio:.2f}).")
print(f'Config: {work_dir}/lifter.py   checkpoint: {work_dir}/lifter.pth   '
      f'(fine-tuning config: {work_dir}/finetune.py)')
print(f'Lift a video or keypoints: python tools/infer.py --config '
      f'{work_dir}/lifter.py --checkpoint {work_dir}/lifter.pth --input ...')
if not m['pretrained']:
    sys.exit('metrics.json says pretrained: false; stage II did not start '
             'from the stage I checkpoint.')
if ratio >= 0.5:
    sys.exit('The demo model did not learn: MPJPE is not under half the '
             'mean-pose baseline.')
PY
