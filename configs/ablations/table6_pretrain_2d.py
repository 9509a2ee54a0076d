# MPM Table 6, row "2D pre-training only", stage I: masked 2D pose modeling
# alone (no 3D encoder / decoder, so no L_m3m), otherwise the settings of
# configs/mpm/pretrain_h36m_243f.py (243 frames, L = 4, 5 joints + 60%).
#   tools/dist_train.sh configs/ablations/table6_pretrain_2d.py 4
# then configs/ablations/table6_finetune_2d.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(encoder_3d=None, decoder_3d=None, masker_3d=None)
# Both branches no longer alternate: every parameter gets a gradient.
model_wrapper_cfg = dict(find_unused_parameters=False)
