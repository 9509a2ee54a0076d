# MPM Table A, row "81 frames", stage I: masked 2D + 3D pose modeling on
# 81-frame windows (dilation 1, an assumption: the facts give dilation 2 for
# 243 frames only), L = 4, otherwise configs/mpm/pretrain_h36m_243f.py.
# Masking: 5 joints per frame + int(0.6 * 81) = 48 frames.
#   tools/dist_train.sh configs/ablations/tablea_frames81_pretrain.py 4
# then configs/ablations/tablea_frames81_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
seq_len = 81
dilation = 1
train_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
model = dict(
    trunk=dict(temporal=dict(num_frames=seq_len)),
    decoder_2d=dict(num_frames=seq_len),
    decoder_3d=dict(num_frames=seq_len))
