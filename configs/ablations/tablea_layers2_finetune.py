# MPM Table A, row "2 shared layers", stage II: STMO lifter with L = 2
# temporal layers, initialised from tablea_layers2_pretrain.py.
#   tools/dist_train.sh configs/ablations/tablea_layers2_pretrain.py 4
#   tools/dist_train.sh configs/ablations/tablea_layers2_finetune.py 4
#   python tools/test.py configs/ablations/tablea_layers2_finetune.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    trunk=dict(temporal=dict(depth=2)),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablea_layers2_pretrain/epoch_15.pth'))
