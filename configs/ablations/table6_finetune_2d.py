# MPM Table 6, row "2D pre-training only", stage II: the MPM fine-tuning
# (configs/mpm/finetune_h36m_cpn_243f.py) from the 2D-only stage I.
#   tools/dist_train.sh configs/ablations/table6_pretrain_2d.py 4
#   tools/dist_train.sh configs/ablations/table6_finetune_2d.py 4
#   python tools/test.py configs/ablations/table6_finetune_2d.py CHECKPOINT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/table6_pretrain_2d/epoch_15.pth'))
