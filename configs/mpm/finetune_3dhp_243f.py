# MPM stage II on MPI-INF-3DHP (Table 2, MPM row: 98.4 PCK / 80.0 AUC /
# 29.1 mm MPJPE, ground-truth 2D, 243 frames): the STMO lifter (L = 4)
# fine-tuned on 3DHP for 100 epochs, joints in the MPI-INF-3DHP order
# (root = pelvis, index 14; left/right flip pairs of that order: the model
# and the metric take both from the dataset's metainfo).
# Initialise the 2D encoder and the shared trunk from a stage I checkpoint:
#   tools/dist_train.sh configs/mpm/finetune_3dhp_243f.py 4 \
#     --cfg-options model.init_cfg.type=PretrainedParts \
#       model.init_cfg.checkpoint=work_dirs/<stage I>/epoch_15.pth
# Test (prints the Table 2 row and the per-sequence table):
#   python tools/test.py configs/mpm/finetune_3dhp_243f.py <checkpoint>
# Optimiser per the MPM paper: AdamW, lr 1.6e-3 at batch 1024, x0.97/epoch.
_base_ = [
    '../_base_/runtime_best_mpjpe.py',
    '../_base_/datasets/mpi_inf_3dhp.py',
    '../_base_/models/stmo_lifter.py',
    '../_base_/schedules/mpm_finetune_40e.py',
]
max_epochs = 100
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.97, by_epoch=True, begin=0,
         end=max_epochs)
]
train_dataloader = dict(batch_size=1024)
