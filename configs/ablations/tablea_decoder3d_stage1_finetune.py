# MPM Table A, row "3D decoder in stage I", stage II: the MPM fine-tuning
# from tablea_decoder3d_stage1_pretrain.py (the stage I lifting decoder is
# not transferred: stage II loads `encoder.` and `trunk.` only).
#   tools/dist_train.sh configs/ablations/tablea_decoder3d_stage1_pretrain.py 4
#   tools/dist_train.sh configs/ablations/tablea_decoder3d_stage1_finetune.py 4
#   python tools/test.py configs/ablations/tablea_decoder3d_stage1_finetune.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tablea_decoder3d_stage1_pretrain/'
        'epoch_15.pth'))
