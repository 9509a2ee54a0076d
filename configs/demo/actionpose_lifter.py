# The demo lifter (configs/demo/lifter.py) fine-tuned from the demo's
# ActionPose pre-training (stage II, no action labels): its 2D encoder and
# trunk start from the checkpoint of configs/demo/actionpose_pretrain.py.
#   python tools/train.py configs/demo/actionpose_pretrain.py
#   python tools/train.py configs/demo/actionpose_lifter.py
#   python tools/test.py configs/demo/actionpose_lifter.py \
#     work_dirs/demo/actionpose_lifter/iter_1500.pth
_base_ = ['./lifter.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/demo/actionpose_pretrain/iter_1000.pth'))
