# example_masker project: MPM stage I on Human3.6M
# (configs/mpm/pretrain_h36m_243f.py: 243 frames, L = 4) with kinematic-chain
# masking: 60% of the frames hidden whole + 2 chains per sample (a joint and
# all its descendants in every frame), for the 2D and 3D branches.
#   PYTHONPATH=. tools/dist_train.sh \
#     projects/example_masker/configs/pretrain_h36m_243f_kinematic.py 4
# It writes to W=work_dirs/example_masker/pretrain_h36m_243f_kinematic
# (its place under the project's configs/). Fine-tune from it with
#   python tools/train.py configs/mpm/finetune_h36m_cpn_243f.py \
#     --work-dir work_dirs/example_masker/finetune_h36m_cpn_243f \
#     --cfg-options model.init_cfg.checkpoint=$W/epoch_15.pth
_base_ = ['../../../configs/mpm/pretrain_h36m_243f.py']
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
