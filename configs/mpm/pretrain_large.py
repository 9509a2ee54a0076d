# MPM stage I, Table E "large" pre-training data: Human3.6M + MPI-INF-3DHP +
# AMASS, every sample of each (the full mixture; "base" and "small" are
# 1/2 and 1/4 of it: 8.34M and 4.17M samples). Model and schedule of
# configs/mpm/pretrain_h36m_243f.py (243 frames, L = 4, AdamW lr 1e-4,
# x0.97/epoch, 15 epochs, batch 1024). Run:
#   tools/dist_train.sh configs/mpm/pretrain_large.py 4
# then fine-tune (stage II) from its last checkpoint as in
# configs/mpm/finetune_h36m_cpn_243f.py.
# Data (one folder each, prepared as their dataset configs say):
#   data/h36m/            data_3d_h36m.npz + data_2d_h36m_cpn_ft_h36m_dbb.npz
#                         (VideoPose3D's prepare_data_h36m.py)
#   data/mpi_inf_3dhp/    data_train_3dhp.npz
#                         (tools/dataset_converters/prepare_3dhp.py)
#   data/amass/           amass_h36m_50fps.npz
#                         (tools/dataset_converters/prepare_amass.py)
# Every source gives 17 Human3.6M-ordered joints (3DHP with
# joint_order='h36m'), normalised 2D and root-relative camera-frame 3D in
# metres. Human3.6M and 3DHP items are paired 2D+3D; AMASS items are 3D-only
# (has_2d=False: they feed the 3D branch only; modality='both' would add
# their projections through the Human3.6M cameras to the 2D branch).
# Windows span ~9.7 s everywhere: 243 frames with dilation 2 at 50 fps
# (Human3.6M, AMASS) and dilation 1 on 3DHP's 25 fps training videos.
# MixtureDataset logs how many samples each source contributes.
_base_ = [
    './pretrain_h36m_243f.py',
    '../_base_/datasets/amass.py',
]
seq_len = 243
# The Human3.6M training set of ./pretrain_h36m_243f.py (CPN 2D, S1 S5 S6
# S7 S8, dilation 2).
h36m_train = {{_base_.train_dataloader.dataset}}
mpi_inf_3dhp_train = dict(
    type='MpiInf3dhpDataset',
    data_root='data/mpi_inf_3dhp/',
    split='train',
    seq_len=seq_len,
    dilation=1,
    joint_order='h36m')
amass_train = {{_base_.amass_train}}

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MixtureDataset',
        datasets=[h36m_train, mpi_inf_3dhp_train, amass_train],
        names=['h36m', 'mpi_inf_3dhp', 'amass'],
        fractions=[1.0, 1.0, 1.0],
        seed=0))
