# The MPM stage I network (masked pose modeling): a 2D and a 3D branch
# around the shared trunk of the STMO lifter (spatial MLP + temporal
# transformer, L = 4, 243 frames). Masking: 5 joints per frame + 60% of the
# frames (both branches). Loss: 2.0 * L_m2m + 3.0 * L_m3m (paper; the public
# code uses 5 and 2). 2D and 3D branches alternate step by step on paired
# batches. The 2D encoder and the shared trunk are the STMO lifter's (same
# dicts, ./stmo_lifter.py), so stage II loads them under the same names.
# Pre-training configs use ./mpm_pretrain.py (this network wrapped for
# DDP); configs that reuse one branch (the 3D->3D completion) read its parts
# from here.
_base_ = ['./stmo_lifter.py']
num_joints = 17
num_frames = 243
embed_dim = 256
# The masked decoder of both branches (2D: out_channels=2, 3D: 3). A name
# starting with `__` stays local to this file (not a config key).
__masked_decoder = dict(
    type='MaskedPoseDecoder',
    num_frames=num_frames,
    in_channels=embed_dim,
    embed_dim=embed_dim,
    depth=1,
    num_heads=8,
    ffn_dim=512,
    dropout=0.1,
    num_joints=num_joints,
    out_channels=2)
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
    decoder_2d=__masked_decoder,
    decoder_3d=dict(__masked_decoder, out_channels=3),
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
