# MPM stage II (Table 1, ground-truth 2D input): the STMO lifter (L = 4, 243
# frames, dilation 2) fine-tuned on Human3.6M ground-truth 2D keypoints.
# Paper: 27.2 mm MPJPE. Same settings as configs/mpm/finetune_h36m_cpn_243f.py
# (incl. its stage I checkpoint, init_cfg) except the 2D file
# (data_2d_h36m_gt.npz); tests check that nothing else differs.
#   tools/dist_train.sh configs/mpm/pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/mpm/finetune_h36m_gt_243f.py 4
#   python tools/test.py configs/mpm/finetune_h36m_gt_243f.py CHECKPOINT
_base_ = ['./finetune_h36m_cpn_243f.py']
file_2d = 'data_2d_h36m_gt.npz'
train_dataloader = dict(dataset=dict(file_2d=file_2d))
val_dataloader = dict(dataset=dict(file_2d=file_2d))
test_dataloader = val_dataloader
