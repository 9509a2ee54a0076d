# P-STMO pre-training (masked 2D pose modeling) on Human3.6M CPN
# detections, 243 frames (dilation 2), L = 4: 3,315,620 parameters.
# Masking (P-STMO): 3 joints per frame and 60% of the frames.
# Schedule: P-STMO's code settings for its fine-tuning (Adam amsgrad, lr 1e-3,
# x0.97 per epoch, batch 160); the pre-training length is not among the
# facts this repository reproduces, so 40 epochs are a placeholder.
#   tools/dist_train.sh configs/pstmo/pretrain_h36m_243f.py 4
# Then fine-tune with configs/pstmo/finetune_h36m_cpn_243f.py, which loads
# work_dirs/pstmo/pretrain_h36m_243f/epoch_40.pth through init_cfg.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m_cpn_train_only.py',
    '../_base_/models/pstmo_pretrain.py',
    '../_base_/schedules/lifter_40e.py',
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40)
# Its own folder: configs/mpm/ and configs/actionpose/ have files of the
# same name.
work_dir = 'work_dirs/pstmo/pretrain_h36m_243f'
