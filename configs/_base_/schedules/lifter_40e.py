# Stage II schedule (P-STMO code): Adam with amsgrad, lr 1e-3 decayed by 0.97
# after each epoch, 40 epochs, batch 160.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40, val_interval=1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, amsgrad=True))
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.97, by_epoch=True, begin=0, end=40)
]
auto_scale_lr = dict(base_batch_size=160, enable=False)
