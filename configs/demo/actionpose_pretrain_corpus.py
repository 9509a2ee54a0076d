# The demo's ActionPose pre-training on the synthetic Human3.6M plus the
# built-in motion corpus (configs/demo/actionpose_pretrain.py's model and
# schedule): paired 2D-3D windows of both, mixed, with per-frame action
# labels (a window's label is its centre frame's: the synthetic set's six
# actions, the corpus's 26 motion families, transitions included) and the
# shipped all-MiniLM-L6-v2 embeddings of their sentences. The corpus is seen
# through 2 random virtual cameras per sequence.
#   python tools/dataset_converters/make_synthetic_h36m.py \
#     --out-dir data/synthetic_h36m
#   python tools/dataset_converters/make_motion_corpus.py \
#     --out-dir data/motion_corpus
#   python tools/train.py configs/demo/actionpose_pretrain_corpus.py
# Ablation (same vectors, wrong labels: does the meaning help, or only the
# label identity?):
#   --cfg-options model.shuffle_text_embeddings=True
_base_ = ['./actionpose_pretrain.py', '../_base_/datasets/motion_corpus.py']
work_dir = 'work_dirs/actionpose_pretrain_corpus'
synthetic_windows = {{_base_.train_dataloader.dataset}}
corpus_windows = dict(
    type='AmassDataset',
    data_root={{_base_.corpus_data_root}},
    ann_file={{_base_.corpus_ann_file}},
    seq_len={{_base_.seq_len}},
    dilation={{_base_.dilation}},
    downsample=2,
    modality='both',
    camera='virtual',
    num_views=2,
    action_labels='file',
    seed=0)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MixtureDataset',
        datasets=[synthetic_windows, corpus_windows],
        names=['synthetic_h36m', 'motion_corpus'],
        fractions=[1.0, 1.0]))
model = dict(class_names='synthetic+corpus')
