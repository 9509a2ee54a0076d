# MPM stage I schedule (MPM paper): AdamW, lr 1e-4 (weight decay 0.01),
# x 0.97 after each epoch, 15 epochs, batch 1024 (not scaled with it).
# Stage I has no metric: pair it with a train-only dataset fragment
# (datasets/h36m_cpn_train_only.py).
max_epochs = 15
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.01))
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.97, by_epoch=True, begin=0,
         end=max_epochs)
]
auto_scale_lr = dict(base_batch_size=1024, enable=False)
