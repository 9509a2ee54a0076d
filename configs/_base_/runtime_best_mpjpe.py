# ./default_runtime.py for runs validated on MPJPE: the checkpoint hook also
# keeps the best checkpoint by validation `mpjpe_mm` (lower is better) next
# to the 3 newest. List it instead of default_runtime.py (MMEngine refuses
# two files of one `_base_` list that both set `default_hooks`).
_base_ = ['./default_runtime.py']
default_hooks = dict(
    checkpoint=dict(save_best='mpjpe_mm', rule='less', max_keep_ckpts=3))
