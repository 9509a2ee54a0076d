# MPM stage II schedule: the P-STMO stage II schedule (./lifter_40e.py: 40
# epochs, lr x 0.97 per epoch) with MPM's optimiser, AdamW lr 1.6e-3 (weight
# decay 0.01) at batch 1024 (set train_dataloader.batch_size=1024 with it).
_base_ = ['./lifter_40e.py']
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1.6e-3, weight_decay=0.01))
auto_scale_lr = dict(base_batch_size=1024)
