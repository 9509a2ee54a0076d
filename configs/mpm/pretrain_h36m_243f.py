# MPM stage I on Human3.6M: masked 2D (CPN detections) and masked 3D
# (root-relative camera-frame poses) modeling, alternating step by step,
# 243 frames (dilation 2), L = 4 shared temporal layers (Table 1 setting).
# Optimiser per the MPM paper (_base_/schedules/mpm_pretrain_15e.py): AdamW,
# lr 1e-4, x0.97 after each epoch, 15 epochs, batch 1024.
#   tools/dist_train.sh configs/mpm/pretrain_h36m_243f.py 4
# Then fine-tune (stage II): configs/mpm/finetune_h36m_cpn_243f.py loads the
# 2D encoder and the shared trunk of work_dirs/mpm/pretrain_h36m_243f/
# epoch_15.pth through init_cfg=PretrainedParts.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m_cpn_train_only.py',
    '../_base_/models/mpm_pretrain.py',
    '../_base_/schedules/mpm_pretrain_15e.py',
]
train_dataloader = dict(batch_size=1024)
# Stage I has no evaluation metric: no validation or test loop.

# Its own folder: configs/pstmo/ and configs/actionpose/ have files of the
# same name.
work_dir = 'work_dirs/mpm/pretrain_h36m_243f'

default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
