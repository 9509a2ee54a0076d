# The built-in synthetic Human3.6M (same on-disk format as the real files).
# Make it with:  python tools/dataset_converters/make_synthetic_h36m.py \
#                    --out-dir data/synthetic_h36m
_base_ = ['./h36m_cpn.py']
data_root = 'data/synthetic_h36m/'
file_2d = 'data_2d_h36m_synthetic_det.npz'
train_dataloader = dict(dataset=dict(data_root=data_root, file_2d=file_2d))
val_dataloader = dict(dataset=dict(data_root=data_root, file_2d=file_2d))
test_dataloader = val_dataloader
