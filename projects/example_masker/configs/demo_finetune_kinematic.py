# example_masker project: the demo's stage II (configs/demo/finetune.py)
# initialised from demo_pretrain_kinematic.py instead of the MPM-masked
# demo pre-training; compare its test MPJPE with `make demo`'s.
#   PYTHONPATH=. python tools/model_converters/publish_model.py \
#     $(cat work_dirs/example_masker/pretrain/last_checkpoint) \
#     work_dirs/example_masker/pretrain.pth --no-hash
#   PYTHONPATH=. python tools/train.py \
#     projects/example_masker/configs/demo_finetune_kinematic.py \
#     --work-dir work_dirs/example_masker/finetune
#   PYTHONPATH=. python tools/test.py \
#     projects/example_masker/configs/demo_finetune_kinematic.py \
#     work_dirs/example_masker/finetune/iter_1500.pth
_base_ = ['../../../configs/demo/finetune.py']
# The lifter has no masker; importing the plug-in keeps the project's
# configs uniform (and checks it is importable).
custom_imports = dict(
    imports=['projects.example_masker.example_masker'],
    allow_failed_imports=False)
model = dict(
    init_cfg=dict(checkpoint='work_dirs/example_masker/pretrain.pth'))
