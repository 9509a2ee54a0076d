# P-STMO-S (P-STMO, ECCV 2022, Table 1 small model): STMO lifter with
# L = 3 temporal layers, 243 frames (dilation 2), Human3.6M CPN detections,
# initialised from the P-STMO-S pre-training. Counts: 6,482,278 parameters;
# paper convention 6,224,230 / 1,481.9M FLOPs. (Its MPJPE is not among the
# facts this repository records.)
#   tools/dist_train.sh configs/pstmo/pstmo_s_pretrain_h36m_243f.py 4
#   tools/dist_train.sh configs/pstmo/pstmo_s_finetune_h36m_cpn_243f.py 4
#   python tools/test.py configs/pstmo/pstmo_s_finetune_h36m_cpn_243f.py CKPT
_base_ = ['./finetune_h36m_cpn_243f.py']
model = dict(
    trunk=dict(temporal=dict(depth=3)),
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/pstmo/pstmo_s_pretrain_h36m_243f/epoch_40.pth'))
