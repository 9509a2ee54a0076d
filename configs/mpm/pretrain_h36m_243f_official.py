# MPM stage I on Human3.6M as the official code trains it (the "official"
# preset; configs/mpm/pretrain_h36m_243f.py is the paper's):
#   - modality_schedule='mixed': every batch holds about half 2D-only and
#     half 3D-only windows, both losses summed every step;
#   - loss weights 5 (2D) / 2 (3D) instead of 2 / 3;
#   - ground-truth 2D (data_2d_h36m_gt.npz) instead of CPN detections;
#   - Adam without weight decay;
#   - dropout 0.1 in the encoders, trunk and decoders;
#   - about 49 epochs.
#   tools/dist_train.sh configs/mpm/pretrain_h36m_243f_official.py 4
_base_ = ['./pretrain_h36m_243f.py']
train_dataloader = dict(dataset=dict(file_2d='data_2d_h36m_gt.npz'))
work_dir = 'work_dirs/mpm/pretrain_h36m_243f_official'
_decoder = dict(dropout=0.1)
model = dict(
    modality_schedule='mixed',
    lambda_m2m=5.0,
    lambda_m3m=2.0,
    encoder_2d=dict(dropout=0.1),
    encoder_3d=dict(dropout=0.1),
    trunk=dict(spatial=dict(dropout=0.1), temporal=dict(dropout=0.1)),
    decoder_2d=_decoder,
    decoder_3d=_decoder)
max_epochs = 49
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=1e-4, weight_decay=0.0))
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.97, by_epoch=True, begin=0,
         end=max_epochs)
]
