# MPM Table B, row "temporal masking", stage I: whole frames hidden, for both
# the 2D and 3D branches, at the total ratio closest to the spatio-temporal
# 71.8%: frame_ratio 0.718 -> int(0.718 * 243) = 174 of 243 frames = 71.60%
# (175 would be 72.02%). Hidden frames are dropped before the trunk.
# Otherwise configs/mpm/pretrain_h36m_243f.py (243 frames, L = 4). See
# tableb_spatial_pretrain.py for the three rows' exact fractions.
#   tools/dist_train.sh configs/ablations/tableb_temporal_pretrain.py 4
# then configs/ablations/tableb_temporal_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(
    masker_2d=dict(_delete_=True, type='TemporalMasker', frame_ratio=0.718),
    masker_3d=dict(_delete_=True, type='TemporalMasker', frame_ratio=0.718))
