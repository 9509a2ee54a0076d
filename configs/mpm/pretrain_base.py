# MPM stage I, Table E "base" pre-training data: Human3.6M + MPI-INF-3DHP +
# AMASS at half the "large" scale, 8.34M samples: every source is scaled by
# the same factor so that the total is exactly 8,340,000 (each source keeps
# its share of configs/mpm/pretrain_large.py; a deterministic subset drawn
# from seed 0, identical on every rank). Model and schedule of
# configs/mpm/pretrain_h36m_243f.py. Run:
#   tools/dist_train.sh configs/mpm/pretrain_base.py 4
# Data: data/h36m/, data/mpi_inf_3dhp/, data/amass/ as in pretrain_large.py.
# For exactly half of your own "large" set instead, use
#   --cfg-options train_dataloader.dataset.total_samples=None \
#     train_dataloader.dataset.fractions="[0.5,0.5,0.5]"
_base_ = ['./pretrain_large.py']
train_dataloader = dict(dataset=dict(total_samples=8_340_000))
