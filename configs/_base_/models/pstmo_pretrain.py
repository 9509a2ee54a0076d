# P-STMO's self-supervised pre-training (masked 2D pose modeling):
# spatial MLP + temporal transformer (L = 4) on the visible frames,
# LayerNorm, Linear(256 -> 128), decoder of L - 1 = 3 blocks at width 128
# (FFN 256, 8 heads), head -> 2J. 243 frames: 3,315,620 parameters
# (2,656,036 with L = 3). Masking: 3 joints per frame + 60% of the frames.
# The fine-tuning config (configs/pstmo/finetune_h36m_cpn_243f.py) loads
# `encoder.` and `trunk.` from its checkpoints.
# The 2D encoder and the trunk are the STMO lifter's (./stmo_lifter.py).
_base_ = ['./stmo_lifter.py']
num_joints = 17
num_frames = 243
depth = 4  # temporal layers L of the trunk; the decoder has L - 1
model = dict(
    _delete_=True,
    type='PSTMOPretrain',
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
    encoder={{_base_.model.encoder}},
    trunk={{_base_.model.trunk}},
    decoder=dict(
        type='MaskedPoseDecoder',
        num_frames=num_frames,
        in_channels=256,
        embed_dim=128,
        depth=depth - 1,
        num_heads=8,
        ffn_dim=256,
        dropout=0.1,
        input_norm=True,
        num_joints=num_joints,
        out_channels=2),
    masker=dict(type='SpatioTemporalMasker', num_joints=3, frame_ratio=0.6),
    loss=dict(type='MPJPELoss'),
    loss_weight=1.0,
    loss_on='all')
