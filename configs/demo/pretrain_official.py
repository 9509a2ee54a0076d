# The demo's stage I as the official MPM code trains it (the "official"
# preset; configs/demo/pretrain_corpus.py is the paper's): same data, sizes and
# budget, but
#   - every batch holds about half 2D-only and half 3D-only windows and both
#     losses are summed each step (modality_schedule='mixed'),
#   - loss weights 5 (2D) / 2 (3D),
#   - ground-truth 2D of the synthetic Human3.6M (not the detector's),
#   - Adam without weight decay,
#   - dropout 0.1 in every part (encoders, trunk, decoders).
#   python tools/train.py configs/demo/pretrain_official.py
# Compared with the paper preset by
#   python tools/analysis_tools/pretrain_ablation.py --arms none 2d3d 2d3d_official
_base_ = ['./pretrain_corpus.py']
width = 128
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(
            type='Human36mDataset',
            data_root='data/synthetic_h36m/',
            file_3d='data_3d_h36m.npz',
            file_2d='data_2d_h36m_gt.npz',
            subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
            seq_len=27,
            dilation=2,
            downsample=2),
        {{_base_.corpus_pretrain}},
    ]))
_decoder = dict(dropout=0.1)
model = dict(
    modality_schedule='mixed',
    lambda_m2m=5.0,
    lambda_m3m=2.0,
    trunk=dict(temporal=dict(dropout=0.1)),
    decoder_2d=_decoder,
    decoder_3d=_decoder)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=1e-3, weight_decay=0.0))
