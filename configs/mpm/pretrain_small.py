# MPM stage I, Table E "small" pre-training data: Human3.6M + MPI-INF-3DHP +
# AMASS at a quarter of the "large" scale, 4.17M samples: every source is
# scaled by the same factor so that the total is exactly 4,170,000 (each
# source keeps its share of configs/mpm/pretrain_large.py; a deterministic
# subset drawn from seed 0, identical on every rank). Model and schedule of
# configs/mpm/pretrain_h36m_243f.py. Run:
#   tools/dist_train.sh configs/mpm/pretrain_small.py 4
# Data: data/h36m/, data/mpi_inf_3dhp/, data/amass/ as in pretrain_large.py.
# For exactly a quarter of your own "large" set instead, use
#   --cfg-options train_dataloader.dataset.total_samples=None \
#     train_dataloader.dataset.fractions="[0.25,0.25,0.25]"
_base_ = ['./pretrain_large.py']
train_dataloader = dict(dataset=dict(total_samples=4_170_000))
