# MPM Table A, row "5 shared layers", stage II: STMO lifter with L = 5
# temporal layers, initialised from tablea_layers5_pretrain.py.
#   tools/dist_train.sh configs/ablations/tablea_layers5_pretrain.py 4
#   tools/dist_train.sh configs/ablations/tablea_layers5_finetune.py 4
#   python tools/test.py configs/ablations/tablea_layers5_finetune.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    trunk=dict(temporal=dict(depth=5)),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablea_layers5_pretrain/epoch_15.pth'))
