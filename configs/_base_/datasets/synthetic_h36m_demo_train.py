# The demo pre-trainings' training windows (configs/demo/pretrain.py,
# actionpose_pretrain.py): the train-only synthetic Human3.6M
# (./synthetic_h36m_train_only.py) as 27-frame windows (dilation 2) of every
# second frame, batches of 128 loaded in the main process (CPU runs).
_base_ = ['./synthetic_h36m_train_only.py']
seq_len = 27
dilation = 2
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(seq_len=seq_len, dilation=dilation, downsample=2))
