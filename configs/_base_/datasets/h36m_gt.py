# Human3.6M with ground-truth 2D keypoints (VideoPose3D's data_2d_h36m_gt.npz).
_base_ = ['./h36m_cpn.py']
file_2d = 'data_2d_h36m_gt.npz'
train_dataloader = dict(dataset=dict(file_2d=file_2d))
val_dataloader = dict(dataset=dict(file_2d=file_2d))
test_dataloader = val_dataloader
