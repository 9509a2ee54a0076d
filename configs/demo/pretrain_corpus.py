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
_base_ = ['./pretrain.py', '../_base_/datasets/motion_corpus.py']
seq_len = 27
dilation = 2

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
    dataset=dict(
        _delete_=True,
        type='MixtureDataset',
        datasets=[h36m_pretrain, corpus_pretrain],
        names=['synthetic_h36m', 'motion_corpus'],
        fractions=[1.0, 1.0],
        seed=0))
