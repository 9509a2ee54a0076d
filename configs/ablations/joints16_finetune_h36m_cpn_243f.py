# MPM's 16-joint mode, stage II on Human3.6M CPN: the STMO lifter (L = 4,
# 243 frames) on 16 joints (joint 9, neck/nose, dropped by the data
# preprocessor), initialised from joints16_pretrain_h36m_243f.py. The flip
# test's permutation of the 16 kept joints comes from the dataset's
# metainfo through the data preprocessor.
# Evaluation: MPJPE over the 16 kept joints with root joint 0 (not directly
# comparable to the 17-joint protocol numbers).
#   tools/dist_train.sh configs/ablations/joints16_pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/ablations/joints16_finetune_h36m_cpn_243f.py 4
#   python tools/test.py configs/ablations/joints16_finetune_h36m_cpn_243f.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
num_joints = 16
keep_joints = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]
model = dict(
    data_preprocessor=dict(keep_joints=keep_joints),
    encoder=dict(num_joints=num_joints),
    decoder=dict(head=dict(num_joints=num_joints)),
    seq_head=dict(num_joints=num_joints),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/joints16_pretrain_h36m_243f/'
        'epoch_15.pth'))
