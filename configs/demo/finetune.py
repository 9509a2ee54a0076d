# The demo's stage II: the demo lifter (configs/demo/lifter.py) with its 2D
# encoder and shared trunk initialised from the demo's stage I
# (configs/demo/pretrain.py), as MPM's stage I -> stage II transfer.
#   make demo   (runs stage I, publishes work_dirs/demo/pretrain.pth, then
#                this config, then the test)
# By hand:
#   python tools/train.py configs/demo/pretrain.py --work-dir work_dirs/demo/pretrain
#   python tools/model_converters/publish_model.py \
#     $(cat work_dirs/demo/pretrain/last_checkpoint) work_dirs/demo/pretrain.pth --no-hash
#   python tools/train.py configs/demo/finetune.py --work-dir work_dirs/demo
_base_ = ['./lifter.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts', checkpoint='work_dirs/demo/pretrain.pth'))
# Shorter than the lifter alone (1,500 iterations) so that stage I + stage II
# + test stay within 10 minutes on 2 CPU cores.
max_iters = 1200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1,
                 val_begin=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100,
         end=max_iters),
]
