# The built-in motion corpus (AMASS stand-in: 24 motion families, random
# bodies, transitions, trajectories), in AMASS's joint-file format. Make it
# with:  python tools/dataset_converters/make_motion_corpus.py \
#            --out-dir data/motion_corpus
# Two ready-made AmassDataset dicts (variables only, like ./amass.py, so
# this file can sit next to another dataset base):
#   corpus_3d:     3D-only windows (has_2d=False) for stage I's 3D branch;
#   corpus_paired: paired 2D-3D windows seen through random virtual cameras
#                  (4-7 m, all azimuths, 0-25 deg elevation), for the 2D
#                  branch of stage I or for fine-tuning.
# Sequence names are '<family>/<index>': `subsets=['jump', 'kick']` keeps
# some families only (the family names with '_' for spaces).
corpus_data_root = 'data/motion_corpus/'
corpus_ann_file = 'motion_corpus_h36m_50fps.npz'
corpus_3d = dict(
    type='AmassDataset',
    data_root=corpus_data_root,
    ann_file=corpus_ann_file,
    seq_len=243,
    dilation=2,
    modality='3d',
    camera='virtual',
    seed=0)
corpus_paired = dict(corpus_3d, modality='both', num_views=4)
