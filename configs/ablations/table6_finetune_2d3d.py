# MPM Table 6, row "2D + 3D pre-training" (= the full method, Table 1's
# 42.3 mm row): stage II from configs/mpm/pretrain_h36m_243f.py, whose run
# writes to work_dirs/mpm/pretrain_h36m_243f (its place under configs/;
# no ablation shares it):
#   tools/dist_train.sh configs/mpm/pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/ablations/table6_finetune_2d3d.py 4
#   python tools/test.py configs/ablations/table6_finetune_2d3d.py CHECKPOINT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/mpm/pretrain_h36m_243f/epoch_15.pth'))
