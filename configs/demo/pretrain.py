# The demo's stage I: small masked pose modeling (27 frames, widths
# 256/128, depth 2, the sizes of configs/demo/lifter.py) on the built-in
# synthetic Human3.6M, a few minutes on CPU:
#   python tools/train.py configs/demo/pretrain.py
# Its checkpoint initialises the demo lifter's encoder and trunk:
#   python tools/train.py configs/demo/lifter.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/pretrain/iter_600.pth
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_h36m.py',
    '../_base_/models/mpm_pretrain.py',
]
seq_len = 27
dilation = 2
num_frames = seq_len
width = 128

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(seq_len=seq_len, dilation=dilation, downsample=2))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

_decoder = dict(
    num_frames=num_frames, in_channels=width, embed_dim=width, depth=1,
    ffn_dim=256, num_heads=4, dropout=0.0)
model = dict(
    encoder_2d=dict(embed_dim=256, dropout=0.1),
    encoder_3d=dict(embed_dim=256, dropout=0.1),
    trunk=dict(
        spatial=dict(in_dim=256, out_dim=width, dropout=0.1),
        temporal=dict(
            num_frames=num_frames, embed_dim=width, depth=2, ffn_dim=256,
            num_heads=4, dropout=0.0)),
    decoder_2d=_decoder,
    decoder_3d=_decoder)

max_iters = 600
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50,
         end=max_iters),
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
