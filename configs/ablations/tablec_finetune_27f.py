# MPM Table C (masking ratios r_s x r_t at 27 frames), stage II: the STMO
# lifter at 27 frames (L = 4, strides [3] * 3, dilation 1; 5,209,702
# parameters, 5,173,862 / 191.6M FLOPs in the paper convention) with the MPM
# stage II settings, initialised from one cell of tablec_pretrain_27f.py
# (default: its default cell, r_s = 5, r_t = 0.6). The sweep over the grid
# is in tablec_pretrain_27f.py and configs/ablations/README.md.
#   python tools/train.py configs/ablations/tablec_finetune_27f.py \
#     --cfg-options model.init_cfg.checkpoint=PRETRAIN_CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
seq_len = 27
dilation = 1
train_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
val_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
test_dataloader = val_dataloader
model = dict(
    trunk=dict(temporal=dict(num_frames=seq_len)),
    decoder=dict(num_frames=seq_len, strides=[3, 3, 3]),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablec_pretrain_27f/epoch_15.pth'))
