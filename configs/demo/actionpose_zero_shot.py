# Zero-shot action recognition with the demo's ActionPose pre-training: does
# the motion-text alignment carry the *meaning* of a sentence, or only the
# identity of the labels it was trained on?
# Stage I as configs/demo/actionpose_pretrain_corpus.py, but the five corpus
# families held out of every demo fine-tuning (jump, throw, kick, kneel,
# spin; configs/demo/lifter_corpus_test.py) are held out here as well:
# neither their motion nor their labels are trained on. The test ranks the
# real MiniLM embeddings of their five sentences ('a person jumps', ...) by
# cosine similarity to each held-out window's aligned motion embedding
# (whole windows: no masking, no noise); chance is 20% (mean over the
# families, zero_shot_mean_class_pct).
#   python tools/train.py configs/demo/actionpose_zero_shot.py
#   python tools/test.py configs/demo/actionpose_zero_shot.py \
#     $(cat work_dirs/actionpose_zero_shot/last_checkpoint)
# Control (same vectors at the wrong training labels; the zero-shot
# sentences stay real):  --cfg-options model.shuffle_text_embeddings=True
_base_ = ['./actionpose_pretrain_corpus.py']
work_dir = 'work_dirs/actionpose_zero_shot'
zero_shot_families = ['jump', 'throw', 'kick', 'kneel', 'spin']
corpus_file = dict(
    type='AmassDataset',
    data_root={{_base_.corpus_data_root}},
    ann_file={{_base_.corpus_ann_file}},
    seq_len={{_base_.seq_len}},
    dilation={{_base_.dilation}},
    modality='both',
    action_labels='file')
train_dataloader = dict(
    dataset=dict(datasets=[
        {{_base_.synthetic_windows}},
        # every other family, with its connecting 'walk' / 'stand'
        dict(corpus_file, camera='virtual', num_views=2, downsample=2,
             exclude_subsets=zero_shot_families, seed=0),
    ]))
model = dict(
    zero_shot_labels=zero_shot_families,
    test_masker=dict(type='NoMasker'))

# (the pre-training base has no test set: `_delete_` replaces its None)
test_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    # the held-out families through two new virtual cameras per sequence
    # (the corpus's training views; through Human3.6M's cameras, where stage
    # I only saw the six synthetic actions, even trained families are
    # rarely recognised: README, "Zero-shot")
    dataset=dict(corpus_file, camera='virtual', num_views=2, downsample=4,
                 subsets=zero_shot_families, seed=1))
test_cfg = dict(_delete_=True, type='TestLoop')
# Windows whose centre frame is a connecting 'walk' / 'stand' are not
# scored (those labels are not among the candidates).
test_evaluator = dict(
    _delete_=True,
    type='ActionRecognitionMetric',
    labels=zero_shot_families,
    keys=['pred_action_zero_shot'])
