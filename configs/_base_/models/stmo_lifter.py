# The STMO lifter of P-STMO, identical to MPM's stage II network:
# 2D pose encoder -> shared trunk (spatial MLP + temporal transformer)
# -> strided-transformer 3D decoder (centre frame) + sequence head.
# 243 frames, L = 4: 7,009,382 parameters (6,750,310 in the paper
# convention), 1,736.7M FLOPs (paper convention).
num_joints = 17
num_frames = 243
model = dict(
    type='PoseLifter',
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
            depth=4,
            num_heads=8,
            ffn_dim=512,
            dropout=0.1)),
    decoder=dict(
        type='StridedTransformerDecoder',
        num_frames=num_frames,
        strides=[3, 3, 3, 3, 3],
        embed_dim=256,
        ffn_dim=512,
        num_heads=8,
        dropout=0.1,
        # 'centre': the surviving token is the window's centre frame;
        # 'first': the reference implementation's frame-0 anchoring.
        anchor='centre',
        head=dict(
            type='PoseRegressionHead', in_channels=256,
            num_joints=num_joints)),
    seq_head=dict(
        type='PoseRegressionHead', in_channels=256, num_joints=num_joints),
    loss=dict(type='MPJPELoss'),
    final_weight=1.0,
    seq_weight=1.0,
    flip_test=True)
