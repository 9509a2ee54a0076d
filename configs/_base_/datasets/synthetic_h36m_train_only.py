# The built-in synthetic Human3.6M (./synthetic_h36m.py) for training only:
# the train-only Human3.6M fragment with the synthetic files.
_base_ = ['./h36m_cpn_train_only.py']
data_root = 'data/synthetic_h36m/'
file_2d = 'data_2d_h36m_synthetic_det.npz'
train_dataloader = dict(dataset=dict(data_root=data_root, file_2d=file_2d))
