# MPM stage I (masked pose modeling): a 2D and a 3D branch around the shared
# trunk of the STMO lifter (spatial MLP + temporal transformer, L = 4,
# 243 frames). Masking: 5 joints per frame + 60% of the frames (both
# branches). Loss: 2.0 * L_m2m + 3.0 * L_m3m (paper; the public code uses
# 5 and 2). 2D and 3D branches alternate step by step on paired batches.
# Stage II loads `encoder.` and `trunk.` from its checkpoints.
# The 2D encoder and the shared trunk are the STMO lifter's (same dicts,
# ./stmo_lifter.py), so stage II loads them under the same names.
_base_ = ['./stmo_lifter.py']
num_joints = 17
num_frames = 243
embed_dim = 256
model = dict(
    _delete_=True,
    type='MaskedPoseModeling',
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
    encoder_2d={{_base_.model.encoder}},
    encoder_3d=dict(
        type='PoseEncoder',
        num_joints=num_joints,
        in_channels=3,
        embed_dim=512,
        dropout=0.25),
    trunk={{_base_.model.trunk}},
    decoder_2d=dict(
        type='MaskedPoseDecoder',
        num_frames=num_frames,
        in_channels=embed_dim,
        embed_dim=embed_dim,
        depth=1,
        num_heads=8,
        ffn_dim=512,
        dropout=0.1,
        num_joints=num_joints,
        out_channels=2),
    decoder_3d=dict(
        type='MaskedPoseDecoder',
        num_frames=num_frames,
        in_channels=embed_dim,
        embed_dim=embed_dim,
        depth=1,
        num_heads=8,
        ffn_dim=512,
        dropout=0.1,
        num_joints=num_joints,
        out_channels=3),
    masker_2d=dict(type='SpatioTemporalMasker', num_joints=5, frame_ratio=0.6),
    masker_3d=dict(type='SpatioTemporalMasker', num_joints=5, frame_ratio=0.6),
    loss=dict(type='MPJPELoss'),
    lambda_m2m=2.0,
    lambda_m3m=3.0,
    # MPM v1's masked 2D -> 3D lifting pretext: set True and give
    # decoder_lift (a MaskedPoseDecoder with out_channels=3).
    lift_pretext=False,
    modality_schedule='alternate',
    loss_on='all')
# Alternating branches leave one branch without gradients in each step.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
