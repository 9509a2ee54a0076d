# MPM Table A, row "2 shared layers", stage I: the shared temporal
# transformer has L = 2 layers (4 in the main setting), 243 frames,
# Human3.6M CPN, otherwise configs/mpm/pretrain_h36m_243f.py.
#   tools/dist_train.sh configs/ablations/tablea_layers2_pretrain.py 4
# then configs/ablations/tablea_layers2_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(trunk=dict(temporal=dict(depth=2)))
