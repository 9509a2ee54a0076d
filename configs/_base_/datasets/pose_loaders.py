# The loader settings every pose-window dataset fragment shares (the
# dataset fragments name only their dataset): shuffled training batches of
# 160, evaluation batches of 256 in order, 4 persistent workers, and the
# val / test loops that go with the val / test sets (a train-only fragment
# sets the six val / test keys to None).
train_dataloader = dict(
    batch_size=160,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
