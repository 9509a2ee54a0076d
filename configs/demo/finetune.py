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
