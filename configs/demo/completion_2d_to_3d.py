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
_base_ = ['../_base_/demo_completion.py']
table3 = ['random_1', 'random_2', 'both_legs', 'both_arms', 'left_leg_arm',
          'right_leg_arm']

model = dict(
    type='LiftingCompletion',
    train_masker=dict(
        type='RandomChoiceMasker',
        maskers=[dict(type='OcclusionMasker', setting=s) for s in table3]),
    eval_settings=table3,
    eval_seed=0)
