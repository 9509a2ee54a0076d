# P-STMO's self-supervised pre-training (masked 2D pose modeling):
# spatial MLP + temporal transformer (L = 4) on the visible frames,
# LayerNorm, Linear(256 -> 128), decoder of L - 1 = 3 blocks at width 128
# (FFN 256, 8 heads), head -> 2J. 243 frames: 3,315,620 parameters
# (2,656,036 with L = 3). Masking: 3 joints per frame + 60% of the frames.
# The fine-tuning config (configs/pstmo/finetune_h36m_cpn_243f.py) loads
# `encoder.` and `trunk.` from its checkpoints.
num_joints = 17
num_frames = 243
depth = 4
model = dict(
    type='PSTMOPretrain',
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
    encoder=dict(
        type='PoseEncoder',
        num_joints=num_joints,
        in_channels=2,
        embed_dim=512,
        dropout=0.25),
    trunk=dict(
        type='PoseTrunk',
        spatial=dict(
            type='SpatialMLP',
            in_dim=512,
            out_dim=256,
            num_blocks=1,
            dropout=0.25),
        temporal=dict(
            type='TemporalTransformer',
            num_frames=num_frames,
            embed_dim=256,
            depth=depth,
            num_heads=8,
            ffn_dim=512,
            dropout=0.1)),
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
