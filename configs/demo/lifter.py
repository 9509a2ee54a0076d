# The demo: a small STMO-style lifter (27 frames) trained on the built-in
# synthetic Human3.6M for a few minutes on CPU, tested on S9/S11.
#   make demo     (generates data/synthetic_h36m, trains, tests, prints)
# The same parts as the paper model, only narrower and shorter.
_base_ = [
    '../_base_/datasets/synthetic_h36m.py',
    '../_base_/models/stmo_lifter.py',
    '../_base_/schedules/demo_adamw_cosine.py',
]
seq_len = 27
dilation = 2
num_frames = seq_len

train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(seq_len=seq_len, dilation=dilation, downsample=2))
val_dataloader = dict(
    batch_size=512,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(seq_len=seq_len, dilation=dilation, downsample=4))
test_dataloader = val_dataloader

model = dict(
    encoder=dict(embed_dim=256, dropout=0.1),
    trunk=dict(
        spatial=dict(in_dim=256, out_dim=128, dropout=0.1),
        temporal=dict(
            num_frames=num_frames, embed_dim=128, depth=2, ffn_dim=256,
            num_heads=4, dropout=0.0)),
    decoder=dict(
        num_frames=num_frames,
        strides=[3, 3, 3],
        embed_dim=128,
        ffn_dim=256,
        num_heads=4,
        dropout=0.0,
        head=dict(in_channels=128)),
    seq_head=dict(in_channels=128))

max_iters = 1500
# No validation while training (IterBasedTrainLoop would also validate after
# the last iteration unless val_begin lies beyond it): tools/test.py
# evaluates the final model once.
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1,
                 val_begin=max_iters + 1)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100,
         end=max_iters),
]
