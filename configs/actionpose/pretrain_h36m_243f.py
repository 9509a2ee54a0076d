# ActionPose pre-training on Human3.6M (arXiv 2409.00449; the paper reports
# 36.7 mm MPJPE on Human3.6M with detected 2D after fine-tuning): CPN 2D
# inputs (further corrupted by DetectorNoise), masked, lifted to 3D, with
# action recognition and motion-text alignment on the 15 Human3.6M actions.
# 243 frames (dilation 2), L = 4; schedule of MPM stage I (AdamW, lr 1e-4,
# x0.97 per epoch, 15 epochs, batch 1024).
# The text embeddings (all-MiniLM-L6-v2 of 'a person walks a dog', ...) ship
# with mpm: nothing to install or compute.
# 1. Pre-train:
#      tools/dist_train.sh configs/actionpose/pretrain_h36m_243f.py 4
#    On the built-in synthetic Human3.6M (its actions are the label set
#    'synthetic'; 'h36m+synthetic' knows both):
#      python tools/train.py configs/actionpose/pretrain_h36m_243f.py \
#        --cfg-options model.class_names=h36m+synthetic \
#        train_dataloader.dataset.data_root=data/synthetic_h36m/ \
#        train_dataloader.dataset.file_2d=data_2d_h36m_synthetic_det.npz
# 2. Fine-tune (stage II, no labels):
#      configs/actionpose/finetune_h36m_cpn_243f.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m_cpn_train_only.py',
    '../_base_/models/actionpose_pretrain.py',
    '../_base_/schedules/mpm_pretrain_15e.py',
]
work_dir = 'work_dirs/actionpose/pretrain_h36m_243f'
train_dataloader = dict(batch_size=1024)
# Pre-training has no evaluation metric: no validation or test loop.

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
