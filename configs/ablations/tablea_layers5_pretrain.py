# MPM Table A, row "5 shared layers", stage I: the shared temporal
# transformer has L = 5 layers (4 in the main setting), 243 frames,
# Human3.6M CPN, otherwise configs/mpm/pretrain_h36m_243f.py. Its trunk is
# Table 5's "shared layers" (spatial MLP + 5 temporal layers, 3,289.1K
# parameters in the paper convention).
#   tools/dist_train.sh configs/ablations/tablea_layers5_pretrain.py 4
# then configs/ablations/tablea_layers5_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(trunk=dict(temporal=dict(depth=5)))
