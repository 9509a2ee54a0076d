# MPM's 16-joint mode (J = 16, the joint count of MPM's Table 5 component
# sizes), stage I on Human3.6M: joint 9 (neck/nose) is dropped by the data
# preprocessor (keep_joints), everything else as
# configs/mpm/pretrain_h36m_243f.py (243 frames, L = 4, 5 joints + 60%).
# Stage I decoders at J = 16 (paper convention): 2D 534,816 and 3D 538,928
# parameters here vs Table 5's 532.2K / 534.3K (see configs/ablations/
# README.md); encoders 17,920 (2D) and 26,112 (3D) as in Table 5.
#   tools/dist_train.sh configs/ablations/joints16_pretrain_h36m_243f.py 4
# then configs/ablations/joints16_finetune_h36m_cpn_243f.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
num_joints = 16
# Human3.6M-17 indices without 9 (neck/nose); the root stays joint 0.
keep_joints = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]
model = dict(
    data_preprocessor=dict(keep_joints=keep_joints),
    encoder_2d=dict(num_joints=num_joints),
    encoder_3d=dict(num_joints=num_joints),
    decoder_2d=dict(num_joints=num_joints),
    decoder_3d=dict(num_joints=num_joints))
