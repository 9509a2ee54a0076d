# A tiny run on the synthetic data that finishes in well under a minute on
# CPU and saves three checkpoints (tests and smoke checks use it):
#   python tools/train.py configs/demo/smoke.py
_base_ = ['./lifter.py']
seq_len = 9
num_frames = seq_len
train_dataloader = dict(
    batch_size=16,
    dataset=dict(seq_len=seq_len, dilation=1, downsample=1, subset=0.05))
val_dataloader = dict(
    batch_size=64,
    dataset=dict(seq_len=seq_len, dilation=1, downsample=1, subset=0.02))
test_dataloader = val_dataloader
model = dict(
    encoder=dict(embed_dim=32),
    trunk=dict(
        spatial=dict(in_dim=32, out_dim=16),
        temporal=dict(num_frames=num_frames, embed_dim=16, depth=1,
                      ffn_dim=32, num_heads=2)),
    decoder=dict(num_frames=num_frames, strides=[3, 3], embed_dim=16,
                 ffn_dim=32, num_heads=2, head=dict(in_channels=16)),
    seq_head=dict(in_channels=16))
max_iters = 30
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=0,
         end=max_iters)
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=10, max_keep_ckpts=3))
