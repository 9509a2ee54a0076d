# P-STMO (ECCV 2022), Table 1: STMO lifter, L = 4, 243 frames (dilation 2),
# Human3.6M with CPN detections. Paper: 42.8 mm without refinement.
# Counts: 7,009,382 parameters; paper convention 6,750,310 / 1,736.7M FLOPs.
# The spatial MLP and temporal trunk start from P-STMO's masked 2D
# pre-training (configs/pstmo/pretrain_h36m_243f.py, init_cfg below):
#   tools/dist_train.sh configs/pstmo/pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/pstmo/finetune_h36m_cpn_243f.py 4
# From scratch (no pre-training): --cfg-options model.init_cfg=None
_base_ = [
    '../_base_/runtime_best_mpjpe.py',
    '../_base_/datasets/h36m_cpn.py',
    '../_base_/models/stmo_lifter.py',
    '../_base_/schedules/lifter_40e.py',
]
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/pstmo/pretrain_h36m_243f/epoch_40.pth'))
