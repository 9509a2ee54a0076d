# P-STMO-S pre-training (P-STMO, ECCV 2022): masked 2D pose modeling with
# the small trunk, L = 3 temporal layers, 243 frames (dilation 2), Human3.6M
# CPN detections: 2,656,036 parameters. Masking (P-STMO-S): 80% of the
# frames and 2 joints per remaining frame (the public code's setting; the
# facts also list 7 joints: --cfg-options model.masker.num_joints=7).
#   tools/dist_train.sh configs/pstmo/pstmo_s_pretrain_h36m_243f.py 4
# Fine-tune with configs/pstmo/pstmo_s_finetune_h36m_cpn_243f.py (it loads
# work_dirs/pstmo/pstmo_s_pretrain_h36m_243f/epoch_40.pth).
_base_ = ['./pretrain_h36m_243f.py']
depth = 3
model = dict(
    trunk=dict(temporal=dict(depth=depth)),
    decoder=dict(depth=depth - 1),
    masker=dict(num_joints=2, frame_ratio=0.8))
