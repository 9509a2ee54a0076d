# MPM Table B, row "spatial masking", stage I: tube masking (the same joints
# hidden in every frame, drawn per sample) for both the 2D and 3D branches,
# at the total ratio closest to the spatio-temporal 71.8%: 12 of 17 joints
# = 70.59% (11/17 = 64.7%, 13/17 = 76.5%). Otherwise
# configs/mpm/pretrain_h36m_243f.py (243 frames, L = 4).
# Masked fractions of the three Table B rows (243 frames, 17 joints):
#   spatio-temporal 5 joints + 0.6: nominal 0.6 + 0.4 * 5/17 = 71.76%; exact
#     (145 * 17 + 98 * 5) / (243 * 17) = 2955 / 4131 = 71.53%
#   spatial 12 joints: 12 / 17 = 70.59%
#   temporal 0.718: int(0.718 * 243) = 174 frames, 174 / 243 = 71.60%
# No hidden frame is whole here, so no frame is dropped before the trunk.
#   tools/dist_train.sh configs/ablations/tableb_spatial_pretrain.py 4
# then configs/ablations/tableb_spatial_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(
    masker_2d=dict(_delete_=True, type='SpatialMasker', num_joints=12),
    masker_3d=dict(_delete_=True, type='SpatialMasker', num_joints=12))
