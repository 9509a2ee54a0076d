# MPM stage II (Table 1): the same network as P-STMO's STMO (L = 4, 243
# frames, dilation 2) fine-tuned on Human3.6M CPN detections. Paper: 42.3 mm.
# The 2D encoder and the shared trunk are initialised from the stage I
# checkpoint of configs/mpm/pretrain_h36m_243f.py (init_cfg below; the log
# lists every loaded, missing and unexpected key). Another stage I run:
#   --cfg-options model.init_cfg.checkpoint=PATH
#   tools/dist_train.sh configs/mpm/pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/mpm/finetune_h36m_cpn_243f.py 4
# Optimiser per the MPM paper: AdamW, lr 1.6e-3 at batch 1024, x0.97/epoch.
_base_ = [
    '../_base_/runtime_best_mpjpe.py',
    '../_base_/datasets/h36m_cpn.py',
    '../_base_/models/stmo_lifter.py',
    '../_base_/schedules/mpm_finetune_40e.py',
]
train_dataloader = dict(batch_size=1024)
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/mpm/pretrain_h36m_243f/epoch_15.pth'))
