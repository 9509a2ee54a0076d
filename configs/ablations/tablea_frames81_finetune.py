# MPM Table A, row "81 frames", stage II: configs/mpm/finetune_h36m_cpn_81f.py
# initialised from tablea_frames81_pretrain.py. (The 243-frame row is
# configs/ablations/table6_finetune_2d3d.py.)
#   tools/dist_train.sh configs/ablations/tablea_frames81_pretrain.py 4
#   tools/dist_train.sh configs/ablations/tablea_frames81_finetune.py 4
#   python tools/test.py configs/ablations/tablea_frames81_finetune.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_81f.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablea_frames81_pretrain/'
        'epoch_15.pth'))
