# Linear probing, then fine-tuning (LP-FT) of the demo lifter from stage I:
# for the first `until_iter` iterations the 2D encoder and the shared trunk
# stay as stage I left them (FreezePartsHook, as in lifter_probe.py) while
# the new strided decoder and heads fit them; then everything is fine-tuned.
# Used by
#   python tools/analysis_tools/pretrain_ablation.py --finetune-probe-iters N
# By hand:
#   python tools/train.py configs/demo/lifter_lpft.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/demo/pretrain.pth
_base_ = ['./lifter.py']
custom_hooks = [
    dict(type='FreezePartsHook', parts=['encoder', 'trunk'], until_iter=100)
]
