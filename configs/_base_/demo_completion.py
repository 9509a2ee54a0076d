# What the demo's pose-completion runs share (configs/demo/
# completion_2d_to_3d.py, completion_3d_to_3d.py): the demo lifter's data
# and runtime (configs/demo/lifter.py), a small test set (every 8th frame, a
# fifth of each sequence; the same windows in every run) that keeps the
# occlusion settings quick on CPU, scored by CompletionMetric on the
# occluded joints, and 200 iterations without validation (tools/test.py
# evaluates afterwards), keeping the last checkpoint. Each completion config
# adds its model.
_base_ = ['../demo/lifter.py']

val_dataloader = dict(dataset=dict(downsample=8, subset=0.2))
test_dataloader = val_dataloader
val_evaluator = dict(type='CompletionMetric', occluded=True)
test_evaluator = val_evaluator

max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1,
                 val_begin=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50,
         end=max_iters),
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
