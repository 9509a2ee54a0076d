# The demo's runtime and iteration schedule (runs of a few minutes on CPU):
# ../default_runtime.py logging every 50 iterations (log_processor by
# iteration) and keeping one checkpoint (every 500 iterations); AdamW (weight
# decay 0.01) with gradient clipping at 1.0, a linear warm-up from 0.1x,
# then cosine decay to 1e-5 at the last iteration. The numbers are the demo
# stage I's (600 iterations, 50 warm-up, lr 1e-3). A config of another
# length restates `max_iters`, `train_cfg = dict(max_iters=max_iters)` and
# `param_scheduler` (a list is replaced as a whole). It includes
# default_runtime.py: list it instead of that file.
_base_ = ['../default_runtime.py']
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
