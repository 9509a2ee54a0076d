# Human3.6M with CPN detections (VideoPose3D files), protocol: train S1 S5 S6
# S7 S8, test S9 S11, every frame of every camera.
# Prepare the files with VideoPose3D's data/prepare_data_h36m.py and put them
# in data/h36m/ (see README "Data preparation").
_base_ = ['./pose_loaders.py']
dataset_type = 'Human36mDataset'
data_root = 'data/h36m/'
file_3d = 'data_3d_h36m.npz'
file_2d = 'data_2d_h36m_cpn_ft_h36m_dbb.npz'
seq_len = 243
dilation = 2
__dataset = dict(
    type=dataset_type,
    data_root=data_root,
    file_3d=file_3d,
    file_2d=file_2d,
    seq_len=seq_len,
    dilation=dilation)

train_dataloader = dict(
    dataset=dict(__dataset, subjects=['S1', 'S5', 'S6', 'S7', 'S8']))
val_dataloader = dict(dataset=dict(__dataset, subjects=['S9', 'S11']))
test_dataloader = val_dataloader

val_evaluator = dict(type='Human36mMetric')
test_evaluator = val_evaluator
