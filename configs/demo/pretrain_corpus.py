# The demo's stage I (paper preset) with the motion corpus: small masked
# pose modeling (27 frames,
# widths 256/128, depth 2, the sizes of configs/demo/lifter.py) on the
# built-in synthetic Human3.6M training subjects (detector-like 2D) *and*
# the built-in motion corpus (24 other motion families, paired 2D-3D windows
# through random virtual cameras), 2D and 3D branches alternating step by
# step, loss 2 * L_m2m + 3 * L_m3m, AdamW. A few minutes on CPU:
#   python tools/dataset_converters/make_motion_corpus.py --out-dir data/motion_corpus
#   python tools/train.py configs/demo/pretrain_corpus.py
# configs/demo/pretrain.py is the same on the synthetic Human3.6M alone.
# Its checkpoint initialises the demo lifter's encoder and trunk:
#   python tools/train.py configs/demo/lifter.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/pretrain/iter_600.pth
# The official code's stage I is configs/demo/pretrain_official.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_h36m.py',
    '../_base_/datasets/motion_corpus.py',
    '../_base_/models/mpm_pretrain.py',
]
seq_len = 27
dilation = 2
num_frames = seq_len
width = 128

h36m_pretrain = dict(
    type='Human36mDataset',
    data_root='data/synthetic_h36m/',
    file_3d='data_3d_h36m.npz',
    file_2d='data_2d_h36m_synthetic_det.npz',
    subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
    seq_len=seq_len,
    dilation=dilation,
    downsample=2)
corpus_pretrain = dict(
    type='AmassDataset',
    data_root='data/motion_corpus/',
    ann_file='motion_corpus_h36m_50fps.npz',
    seq_len=seq_len,
    dilation=dilation,
    modality='both',
    camera='virtual',
    num_views=2,
    downsample=2,
    seed=0)
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='MixtureDataset',
        datasets=[h36m_pretrain, corpus_pretrain],
        names=['synthetic_h36m', 'motion_corpus'],
        fractions=[1.0, 1.0],
        seed=0))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

_decoder = dict(
    num_frames=num_frames, in_channels=width, embed_dim=width, depth=1,
    ffn_dim=256, num_heads=4, dropout=0.0)
model = dict(
    encoder_2d=dict(embed_dim=256, dropout=0.1),
    encoder_3d=dict(embed_dim=256, dropout=0.1),
    trunk=dict(
        spatial=dict(in_dim=256, out_dim=width, dropout=0.1),
        temporal=dict(
            num_frames=num_frames, embed_dim=width, depth=2, ffn_dim=256,
            num_heads=4, dropout=0.0)),
    decoder_2d=_decoder,
    decoder_3d=_decoder)

max_iters = 600
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50,
         end=max_iters),
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
