# Frozen-trunk probe of the demo lifter: the 2D encoder and the shared trunk
# stay as initialised (weights and BatchNorm statistics, FreezePartsHook);
# only the strided decoder and the heads learn. Initialised from stage I it
# shows whether stage I learned features a lifter can read; from random
# weights it is the baseline. Used by
#   python tools/analysis_tools/pretrain_ablation.py --probe
# By hand:
#   python tools/train.py configs/demo/lifter_probe.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/demo/pretrain.pth
_base_ = ['./lifter.py']
custom_hooks = [dict(type='FreezePartsHook', parts=['encoder', 'trunk'])]
