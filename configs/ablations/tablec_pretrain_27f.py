# MPM Table C (masking ratios r_s x r_t at 27 frames), stage I: ONE config
# for the whole grid r_s in {2, 3, 5, 7, 9} joints per frame x r_t in
# {0.4, 0.5, 0.6, 0.7, 0.8} of the frames, chosen with --cfg-options (the
# defaults, 5 and 0.6, are the grid's main-setting cell). 27 frames,
# dilation 1 (an assumption), L = 4, Human3.6M CPN, otherwise
# configs/mpm/pretrain_h36m_243f.py. Stage II: tablec_finetune_27f.py.
# The sweep (configs/ablations/README.md has the same loop):
#   for rs in 2 3 5 7 9; do for rt in 0.4 0.5 0.6 0.7 0.8; do
#     w=work_dirs/tablec/rs${rs}_rt${rt}
#     python tools/train.py configs/ablations/tablec_pretrain_27f.py \
#       --work-dir $w/pretrain --cfg-options \
#       model.masker_2d.num_joints=$rs model.masker_2d.frame_ratio=$rt \
#       model.masker_3d.num_joints=$rs model.masker_3d.frame_ratio=$rt
#     python tools/train.py configs/ablations/tablec_finetune_27f.py \
#       --work-dir $w/finetune \
#       --cfg-options model.init_cfg.checkpoint=$w/pretrain/epoch_15.pth
#     python tools/test.py configs/ablations/tablec_finetune_27f.py \
#       $w/finetune/epoch_40.pth --work-dir $w/finetune
#   done; done
_base_ = ['../mpm/pretrain_h36m_243f.py']
seq_len = 27
dilation = 1
train_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
model = dict(
    trunk=dict(temporal=dict(num_frames=seq_len)),
    decoder_2d=dict(num_frames=seq_len),
    decoder_3d=dict(num_frames=seq_len),
    masker_2d=dict(type='SpatioTemporalMasker', num_joints=5,
                   frame_ratio=0.6),
    masker_3d=dict(type='SpatioTemporalMasker', num_joints=5,
                   frame_ratio=0.6))
