# MPM stage II at 81 frames (dilation 1): the STMO lifter (L = 4, strides
# [3] * 4) fine-tuned on Human3.6M CPN detections. Reproduces the 81-frame
# row of MPM's Table A (frames 81 vs 243); network size = the P-STMO 81-frame
# row of the size table: 6,054,246 parameters (5,962,086 / 577.9M FLOPs in
# the paper convention). The window dilation at 81 frames is not in the
# papers' facts; 1 is assumed (dilation 2 is stated for 243 frames only).
# Stage I at 81 frames: configs/ablations/tablea_frames81_pretrain.py; its
# last checkpoint initialises the encoder and trunk (init_cfg below):
#   python tools/train.py configs/ablations/tablea_frames81_pretrain.py
#   python tools/train.py configs/mpm/finetune_h36m_cpn_81f.py
#   python tools/test.py configs/mpm/finetune_h36m_cpn_81f.py CHECKPOINT
_base_ = ['./finetune_h36m_cpn_243f.py']
seq_len = 81
dilation = 1
train_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
val_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
test_dataloader = val_dataloader
model = dict(
    trunk=dict(temporal=dict(num_frames=seq_len)),
    decoder=dict(num_frames=seq_len, strides=[3, 3, 3, 3]),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablea_frames81_pretrain/'
        'epoch_15.pth'))
