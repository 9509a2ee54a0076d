"""The ActionPose pre-training configs train (a few iterations) with only
the test install: the shipped text embeddings, tiny built-in data (the
synthetic Human3.6M and the motion corpus, with per-frame action labels).
Also the shuffled-embedding ablation of the text path."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mpm.models  # noqa: F401 (registers)
from mpm.datasets.synthetic import generate_synthetic_h36m
from mpm.datasets.synthetic.corpus import generate_motion_corpus
from mpm.models.algorithms.actionpose_pretrain import derangement
from mpm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('actionpose_data')
    synthetic = root / 'synthetic'
    generate_synthetic_h36m(str(synthetic), num_frames=40, subjects=['S1'],
                            trials=1)
    corpus = generate_motion_corpus(str(root / 'corpus'), num_sequences=2)
    return dict(synthetic=str(synthetic) + '/', corpus=corpus)


def tiny_run(cfg, data, work_dir, iters=3):
    """Point ``cfg`` at the tiny data, batch 8, ``iters`` iterations."""
    loader = cfg.train_dataloader
    loader.batch_size = 8
    loader.num_workers = 0
    loader.persistent_workers = False
    dataset = loader.dataset
    parts = dataset.datasets if dataset.type == 'MixtureDataset' else [
        dataset]
    for part in parts:
        if part.type == 'Human36mDataset':
            part.data_root = data['synthetic']
            part.file_2d = 'data_2d_h36m_synthetic_det.npz'
            part.subjects = ['S1']
        else:
            part.data_root = osp.dirname(data['corpus'])
            part.ann_file = osp.basename(data['corpus'])
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=10**6)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.work_dir = str(work_dir)
    # One name per run: two runs of one config within a second would share
    # MMEngine's instance name (and it warns).
    cfg.experiment_name = '_'.join(
        osp.normpath(str(work_dir)).split(osp.sep)[-2:])
    return cfg


@pytest.mark.parametrize('path,options', [
    ('configs/demo/actionpose_pretrain.py', {}),
    ('configs/demo/actionpose_pretrain_corpus.py', {}),
    ('configs/demo/actionpose_pretrain_corpus.py',
     {'model.shuffle_text_embeddings': True}),
    # the paper config on the synthetic set: its six actions join the 15
    ('configs/actionpose/pretrain_h36m_243f.py',
     {'model.class_names': 'h36m+synthetic'}),
])
def test_actionpose_configs_train(path, options, data, tmp_path):
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(ROOT, path))
    cfg.merge_from_dict(options)
    cfg = tiny_run(cfg, data, tmp_path / osp.basename(path)[:-3])
    runner = Runner.from_cfg(cfg)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    hub = runner.message_hub
    for key in ('loss_recon', 'loss_action', 'loss_align'):
        value = hub.get_scalar(f'train/{key}').current()
        assert math.isfinite(value) and value > 0, (key, value)
    after = runner.model.state_dict()
    assert not torch.equal(before['action_text.text_proj.2.weight'],
                           after['action_text.text_proj.2.weight'])
    assert runner.model.text_embeddings.shape[1] == 384


def test_action_labels_of_both_sources_reach_the_model(data):
    # windows of the mixed demo data carry the synthetic actions and the
    # corpus families, all in the model's vocabulary
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/demo/actionpose_pretrain_corpus.py'))
    cfg = tiny_run(cfg, data, 'unused')
    from mpm.registry import DATASETS
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    actions = {dataset[i]['meta']['action'] for i in range(0, len(dataset),
                                                             7)}
    assert {'Walking', 'Squatting'} <= actions
    assert actions & {'stand', 'walk'} and len(actions) > 8
    assert (model.vocabulary.encode(sorted(actions)) >= 0).all()


def test_shuffled_embeddings_are_the_same_vectors_at_wrong_labels():
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(
        ROOT, 'configs/demo/actionpose_pretrain.py'))
    plain = MODELS.build(cfg.model).text_embeddings
    cfg.model.shuffle_text_embeddings = True
    shuffled_model = MODELS.build(cfg.model)
    shuffled = shuffled_model.text_embeddings
    perm = shuffled_model.text_permutation
    assert sorted(perm.tolist()) == list(range(6))
    assert torch.equal(shuffled, plain[perm])
    for k in range(6):  # no label keeps its own vector
        assert not torch.equal(shuffled[k], plain[k])
    cfg.model.shuffle_seed = 1
    again = MODELS.build(cfg.model).text_permutation
    assert torch.equal(derangement(6, 0), perm)
    assert not torch.equal(again, perm)
    with pytest.raises(ValueError, match='at least 2'):
        derangement(1, 0)


def test_zero_shot_config_trains_without_the_held_out_families(data,
                                                               tmp_path):
    # a corpus with two training families and the five held-out ones
    corpus = generate_motion_corpus(
        str(tmp_path / 'corpus'), num_sequences=24,
        families=['run', 'hop', 'jump', 'throw', 'kick', 'kneel', 'spin'])
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(ROOT,
                                   'configs/demo/actionpose_zero_shot.py'))
    cfg = tiny_run(cfg, dict(data, corpus=corpus), tmp_path / 'zs')
    test = cfg.test_dataloader.dataset
    test.data_root = osp.dirname(corpus)
    test.ann_file = osp.basename(corpus)
    test.downsample = 40
    from mpm.registry import DATASETS
    train_corpus = DATASETS.build(cfg.train_dataloader.dataset.datasets[1])
    assert {s.split('/')[0] for s in train_corpus.sequences} == {'run',
                                                                  'hop'}
    runner = Runner.from_cfg(cfg)
    assert not set(runner.model.class_names) & {'jump', 'spin', 'kick'}
    runner.train()
    metrics = runner.test()
    assert set(metrics) >= {'zero_shot_top1_pct', 'zero_shot_top1_pct/jump',
                            'zero_shot_top1_pct/spin', 'num_windows'}
    assert 0 <= metrics['zero_shot_top1_pct'] <= 100
