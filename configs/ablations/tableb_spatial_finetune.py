# MPM Table B, row "spatial masking", stage II: the MPM fine-tuning from
# tableb_spatial_pretrain.py. (The "spatio-temporal" row is
# configs/ablations/table6_finetune_2d3d.py.)
#   tools/dist_train.sh configs/ablations/tableb_spatial_pretrain.py 4
#   tools/dist_train.sh configs/ablations/tableb_spatial_finetune.py 4
#   python tools/test.py configs/ablations/tableb_spatial_finetune.py CKPT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/ablations/tableb_spatial_pretrain/epoch_15.pth'))
