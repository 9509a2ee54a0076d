# Demo of MPM's pose completion from partial 3D input (Table 4 settings) on
# the built-in synthetic Human3.6M: the 3D branch of the small 27-frame demo
# stage I model (configs/demo/pretrain.py sizes) trained with tube masking
# of one limb per sample for a couple of minutes on CPU, then tested on
# each limb (seeded masks):
#   make data
#   python tools/train.py configs/demo/completion_3d_to_3d.py
#   python tools/test.py configs/demo/completion_3d_to_3d.py \
#     work_dirs/demo/completion_3d_to_3d/iter_200.pth
# To fine-tune a trained demo stage I model instead of starting from
# scratch add  --cfg-options load_from=work_dirs/demo/pretrain/iter_600.pth
# The printed table shows the paper's (real Human3.6M) numbers only for
# reference; synthetic data and a tiny budget are not comparable.
_base_ = ['../_base_/demo_completion.py']
num_frames = 27
num_joints = 17
width = 128
table4 = ['right_leg', 'left_leg', 'left_arm', 'right_arm']

model = dict(
    _delete_=True,
    type='ReconstructionCompletion',
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
    encoder=dict(type='PoseEncoder', num_joints=num_joints, in_channels=3,
                 embed_dim=256, dropout=0.1),
    trunk=dict(
        type='PoseTrunk',
        spatial=dict(type='SpatialMLP', in_dim=256, out_dim=width,
                     num_blocks=1, dropout=0.1),
        temporal=dict(type='TemporalTransformer', num_frames=num_frames,
                      embed_dim=width, depth=2, num_heads=4, ffn_dim=256,
                      dropout=0.0)),
    decoder=dict(type='MaskedPoseDecoder', num_frames=num_frames,
                 in_channels=width, embed_dim=width, depth=1, num_heads=4,
                 ffn_dim=256, dropout=0.0, num_joints=num_joints,
                 out_channels=3),
    train_masker=dict(
        type='RandomChoiceMasker',
        maskers=[dict(type='OcclusionMasker', setting=s) for s in table4]),
    eval_settings=table4,
    eval_seed=0,
    loss=dict(type='MPJPELoss'),
    loss_on='all')

optim_wrapper = dict(optimizer=dict(lr=1e-3))
