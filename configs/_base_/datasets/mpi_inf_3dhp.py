# MPI-INF-3DHP with ground-truth 2D (P-STMO's files), 243-frame windows.
# Train: S1-S8, Seq1-Seq2, cameras 0, 1, 2, 4, 5, 6, 7, 8, every frame.
# Test: TS1-TS6, one window per valid frame (official protocol: PCK@150 mm,
# AUC, MPJPE; MpiInf3dhpMetric). Joints stay in the MPI-INF-3DHP order
# (pelvis = 14). Make the files from the official release with
#   python tools/dataset_converters/prepare_3dhp.py \
#       --data-root <mpi_inf_3dhp> --out-dir data/mpi_inf_3dhp
# (or put P-STMO's data_train_3dhp.npz / data_test_3dhp.npz there).
_base_ = ['./pose_loaders.py']
dataset_type = 'MpiInf3dhpDataset'
data_root = 'data/mpi_inf_3dhp/'
seq_len = 243
dilation = 1
__dataset = dict(
    type=dataset_type, data_root=data_root, seq_len=seq_len,
    dilation=dilation)

train_dataloader = dict(dataset=dict(__dataset, split='train'))
val_dataloader = dict(dataset=dict(__dataset, split='test'))
test_dataloader = val_dataloader

val_evaluator = dict(type='MpiInf3dhpMetric')
test_evaluator = val_evaluator
