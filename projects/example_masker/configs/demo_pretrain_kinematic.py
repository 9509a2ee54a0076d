# example_masker project: the demo's stage I (configs/demo/pretrain.py,
# 27 frames, synthetic Human3.6M, CPU) with kinematic-chain masking instead
# of MPM's per-frame random joints: 60% of the frames hidden whole, and in
# every sample 2 chains (a joint + all its descendants, the same in every
# frame) hidden, for both the 2D and 3D branches.
# Run from the repository root (the plug-in is imported as `projects...`):
#   PYTHONPATH=. python tools/train.py \
#     projects/example_masker/configs/demo_pretrain_kinematic.py \
#     --work-dir work_dirs/example_masker/pretrain
# then projects/example_masker/configs/demo_finetune_kinematic.py.
_base_ = ['../../../configs/demo/pretrain.py']
custom_imports = dict(
    imports=['projects.example_masker.example_masker'],
    allow_failed_imports=False)
_masker = dict(
    _delete_=True,
    type='UnionMasker',
    maskers=[
        dict(type='TemporalMasker', frame_ratio=0.6),
        dict(type='KinematicChainMasker', num_chains=2),
    ])
model = dict(masker_2d=_masker, masker_3d=_masker)
