# Demo of the pose refinement of Cai et al. (ICCV 2019), P-STMO's "refine",
# PAPER PROTOCOL (ground-truth root depth at test time), on the built-in
# synthetic Human3.6M. Trains only the refine module on top of a frozen demo
# lifter (configs/demo/lifter.py); the metric reports the lifter alone
# ("no refine") and the refined pose, every key labelled with the root-depth
# mode. The honest mode (root depth estimated from 2D + camera) is
# configs/demo/refine_estimated_root.py.
#   python tools/train.py configs/demo/lifter.py --work-dir work_dirs/lifter
#   python tools/train.py configs/demo/refine.py --trust-checkpoint \
#       --cfg-options model.lifter_checkpoint=work_dirs/lifter/iter_1500.pth
#   python tools/test.py configs/demo/refine.py \
#       work_dirs/demo/refine/iter_200.pth
# (a quicker test: --cfg-options test_dataloader.dataset.subset=0.25; do not
# raise `downsample` instead: it changes the motion speed the lifter sees.)
# Testing this checkpoint with model.root_depth=estimated is allowed: the
# metric keys follow the mode the model actually used.
_base_ = ['./lifter.py']

# 'gt': paper protocol (ground-truth root depth); 'estimated': honest.
root_depth = 'gt'
model = dict(
    _delete_=True,
    type='RefinedPoseLifter',
    lifter={{_base_.model}},
    refine=dict(hidden_dim=256, num_layers=2, dropout=0.0),
    root_depth=root_depth,
    depth_method='lstsq',
    freeze_lifter=True,
    # the demo lifter's checkpoint (set on the command line)
    lifter_checkpoint=None,
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.0))

# The refiner needs the camera-frame root and the intrinsics of each item.
train_dataloader = dict(dataset=dict(return_root=True))
val_dataloader = dict(dataset=dict(return_root=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='RefineMetric')
test_evaluator = val_evaluator

max_iters = 200
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters + 1, val_begin=max_iters + 1)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=0,
         end=max_iters),
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
