# Demo of MPM's pose completion from partial 2D input (Table 3 settings) on
# the built-in synthetic Human3.6M: the small 27-frame demo lifter
# (configs/demo/lifter.py) trained on incomplete 2D windows for a couple of
# minutes on CPU, then tested on every occlusion setting (seeded masks):
#   make data
#   python tools/train.py configs/demo/completion_2d_to_3d.py
#   python tools/test.py configs/demo/completion_2d_to_3d.py \
#     work_dirs/demo/completion_2d_to_3d/iter_200.pth
# To fine-tune a trained demo lifter instead of starting from scratch add
#   --cfg-options load_from=work_dirs/demo/lifter.pth
# The printed table shows the paper's (real Human3.6M) numbers only for
# reference; synthetic data and a tiny budget are not comparable.
_base_ = ['./lifter.py']
table3 = ['random_1', 'random_2', 'both_legs', 'both_arms', 'left_leg_arm',
          'right_leg_arm']

model = dict(
    type='LiftingCompletion',
    train_masker=dict(
        type='RandomChoiceMasker',
        maskers=[dict(type='OcclusionMasker', setting=s) for s in table3]),
    eval_settings=table3,
    eval_seed=0)

# A small test set (every 8th frame, a fifth of each sequence; the same
# windows in every run) keeps the six / four settings quick on CPU.
val_dataloader = dict(dataset=dict(downsample=8, subset=0.2))
test_dataloader = val_dataloader
val_evaluator = dict(type='CompletionMetric', occluded=True)
test_evaluator = val_evaluator

max_iters = 200
# No validation during training: tools/test.py evaluates afterwards.
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1,
                 val_begin=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50,
         end=max_iters),
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
