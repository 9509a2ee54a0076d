# AMASS as Human3.6M-17 joints at 50 fps, for masked pose pre-training
# (MPM Table E, "large" scale). AMASS ships body-model parameters, not joints:
# convert them once with your licensed SMPL+H / SMPL-X model and a Human3.6M
# joint regressor (see `--help` for where each file comes from):
#   python tools/dataset_converters/prepare_amass.py \
#     --amass-dir data/amass/raw --body-model data/body_models/smplh \
#     --regressor data/body_models/J_regressor_h36m.npy \
#     --out data/amass/amass_h36m_50fps.npz
# which writes data/amass/amass_h36m_50fps.npz (add --npy-cache for a
# memory-mapped .npy + .json, then set ann_file='amass_h36m_50fps.npy').
# Windows are seen through the 4 Human3.6M cameras of S1 (3D in the camera
# frame, root-relative); modality='3d' gives 3D-only items (has_2d=False),
# 'both' adds their 2D projections.
amass_dataset_type = 'AmassDataset'
amass_data_root = 'data/amass/'
amass_ann_file = 'amass_h36m_50fps.npz'
amass_train = dict(
    type=amass_dataset_type,
    data_root=amass_data_root,
    ann_file=amass_ann_file,
    seq_len=243,
    dilation=2,
    modality='3d',
    camera='h36m',
    seed=0)

# Only variables here (no train_dataloader), so that this file can be a base
# next to another dataset base: mixtures use `{{_base_.amass_train}}`
# (configs/mpm/pretrain_large.py); an AMASS-only run sets
#   train_dataloader = dict(dataset={{_base_.amass_train}}, batch_size=...)
