"""ActionTextHead alone (pooling, losses against float64 references) and
carried by MPM's stage I (MaskedPoseModeling(action_text=...))."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mpm.models  # noqa: F401 (registers)
from mpm.models.algorithms import load_pretrained_parts
from mpm.models.decoders import ActionTextHead
from mpm.models.decoders.action_text_head import masked_mean
from mpm.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_EMB = osp.join(ROOT, 'configs', 'demo', 'actionpose_text_embeddings.json')
T, J, C = 9, 17, 8
ACTIONS = ['Walking', 'SittingDown', 'Waving', 'Squatting', 'Turning',
           'Reaching']


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def tiny_head(**kwargs):
    cfg = dict(in_channels=C, class_names='synthetic',
               text_encoder=dict(type='PrecomputedTextEncoder',
                                 embedding_file=DEMO_EMB),
               head_dropout=0.0, lambda_action=0.5, lambda_align=0.25)
    cfg.update(kwargs)
    return ActionTextHead(**cfg)


def ce_reference(logits, target):
    """Mean cross-entropy in float64 numpy."""
    z = logits.detach().double().numpy()
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(target)), np.asarray(target)].mean()


def test_masked_mean_hand_case():
    tokens = torch.tensor([[[1., 2.], [3., 4.], [5., 6.]]])
    assert torch.equal(masked_mean(tokens), torch.tensor([[3., 4.]]))
    valid = torch.tensor([[True, False, True]])
    assert torch.equal(masked_mean(tokens, valid), torch.tensor([[3., 4.]]))
    valid = torch.tensor([[False, True, False]])
    assert torch.equal(masked_mean(tokens, valid), torch.tensor([[3., 4.]]))
    valid = torch.tensor([[True, True, False]])
    assert torch.equal(masked_mean(tokens, valid), torch.tensor([[2., 3.]]))


def test_head_losses_against_references():
    torch.manual_seed(0)
    head = tiny_head()
    tokens = torch.randn(5, T, C)
    valid = torch.rand(5, T) > 0.3
    valid[:, 0] = True
    emb = head.embed(tokens, valid)
    # LayerNorm of the valid-frame mean, by hand in float64
    mean = np.stack([tokens[i][valid[i]].double().numpy().mean(0)
                     for i in range(5)])
    ref = (mean - mean.mean(1, keepdims=True)) / np.sqrt(
        mean.var(1, keepdims=True) + head.pool_norm.eps)
    np.testing.assert_allclose(emb.detach().double().numpy(), ref,
                               atol=1e-5)
    out = head(emb)
    assert out['action_logits'].shape == (5, 6)
    assert out['text_logits'].shape == (5, 6)
    labels = torch.tensor([0, 3, -100, 5, 3])
    losses = head.loss(out, labels, suffix='_x')
    keep = [0, 1, 3, 4]
    assert losses['loss_action_x'].item() == pytest.approx(
        0.5 * ce_reference(out['action_logits'][keep], [0, 3, 5, 3]),
        rel=1e-5)
    acc = (out['action_logits'][keep].argmax(-1) ==
           torch.tensor([0, 3, 5, 3])).float().mean()
    assert float(losses['acc_action_x']) == pytest.approx(float(acc))
    assert {'loss_align_x', 'logit_scale'} <= set(losses)
    assert head.loss(out, torch.full((5, ), -100)) == {}


def test_head_without_text_and_bad_arguments():
    head = tiny_head(text_encoder=None, lambda_align=0.0)
    out = head(torch.randn(3, C))
    assert set(out) == {'action_logits'}
    losses = head.loss(out, torch.tensor([1, 2, 3]))
    assert set(losses) == {'loss_action', 'acc_action'}
    with pytest.raises(ValueError, match='lambda_align'):
        tiny_head(text_encoder=None)
    with pytest.raises(ValueError, match='unknown_label'):
        tiny_head(unknown_label='skip')
    with pytest.raises(ValueError, match='proj_dim'):
        tiny_head(proj_dim=7)


# ------------------------------------------------- carried by MPM stage I


def mpm_cfg(**kwargs):
    trunk = dict(
        type='PoseTrunk',
        spatial=dict(type='SpatialMLP', in_dim=16, out_dim=C, dropout=0.0),
        temporal=dict(type='TemporalTransformer', num_frames=T,
                      embed_dim=C, depth=1, num_heads=2, ffn_dim=16,
                      dropout=0.0))

    def decoder(channels):
        return dict(type='MaskedPoseDecoder', num_frames=T, in_channels=C,
                    embed_dim=C, depth=1, num_heads=2, ffn_dim=16,
                    dropout=0.0, num_joints=J, out_channels=channels)

    cfg = dict(
        type='MaskedPoseModeling',
        encoder_2d=dict(type='PoseEncoder', num_joints=J, in_channels=2,
                        embed_dim=16, dropout=0.0),
        encoder_3d=dict(type='PoseEncoder', num_joints=J, in_channels=3,
                        embed_dim=16, dropout=0.0),
        trunk=trunk, decoder_2d=decoder(2), decoder_3d=decoder(3),
        action_text=dict(
            type='ActionTextHead', class_names='synthetic',
            text_encoder=dict(type='PrecomputedTextEncoder',
                              embedding_file=DEMO_EMB),
            head_dropout=0.0, lambda_action=0.5, lambda_align=0.25))
    cfg.update(kwargs)
    return cfg


def mpm_batch(B=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x2 = torch.rand(B, T, J, 2, generator=g) * 2 - 1
    x3 = torch.rand(B, T, J, 3, generator=g) - 0.5
    x3[:, :, 0] = 0
    actions = [ACTIONS[(3 * i + 1) % 6] for i in range(B)]
    return x2, dict(keypoints_3d=x3, meta=dict(action=actions))


def test_mpm_branches_get_the_action_losses_in_turn():
    torch.manual_seed(1)
    model = MODELS.build(mpm_cfg()).train()
    assert model.action_text.pool_norm.normalized_shape == (C, )
    x2, samples = mpm_batch()
    keys = [set(model(x2, samples, mode='loss')) for _ in range(2)]
    extra = {'loss_action_{}', 'loss_align_{}', 'acc_action_{}',
             'logit_scale'}
    assert keys[0] == {'loss_m2m'} | {k.format('2d') for k in extra}
    assert keys[1] == {'loss_m3m'} | {k.format('3d') for k in extra}
    # gradients reach the head and, through it, the shared trunk
    model.zero_grad()
    losses = model(x2, samples, mode='loss')
    losses['loss_action_2d'].backward()
    assert model.action_text.action_head[1].weight.grad.abs().sum() > 0
    assert model.trunk.temporal.pos_embed.grad.abs().sum() > 0
    assert model.encoder_3d.parameters().__next__().grad is None
    # no labels in the batch: only the reconstruction losses
    del samples['meta']
    assert set(model(x2, samples, mode='loss')) in ({'loss_m2m'},
                                                    {'loss_m3m'})


def test_mpm_action_losses_use_the_samples_each_branch_runs_on():
    torch.manual_seed(2)
    model = MODELS.build(mpm_cfg(
        modality_schedule='both', masker_2d=dict(type='NoMasker'),
        masker_3d=dict(type='NoMasker'))).train()
    x2, samples = mpm_batch(B=5)
    samples['has_3d'] = torch.tensor([True, False, True, False, True])
    samples['has_2d'] = [False, True, True, True, True]
    losses = model(x2, samples, mode='loss')
    labels = [ACTIONS.index(a) for a in samples['meta']['action']]
    head = model.action_text
    for modality, x, flags in (
            ('2d', x2, samples['has_2d']),
            ('3d', samples['keypoints_3d'], samples['has_3d'])):
        sel = [i for i, f in enumerate(flags) if f]
        mask = torch.zeros(len(sel), T, J, dtype=torch.bool)
        emb = model.reconstruct(x[sel], mask, modality)['motion_embedding']
        logits = head(emb)['action_logits']
        expected = 0.5 * ce_reference(logits, [labels[i] for i in sel])
        assert losses[f'loss_action_{modality}'].item() == pytest.approx(
            expected, rel=1e-5), modality


def test_mpm_predict_and_stage_two_transfer():
    torch.manual_seed(3)
    model = MODELS.build(mpm_cfg()).eval()
    x2, samples = mpm_batch(B=3)
    out = model(x2, samples, mode='tensor')
    assert out['action_logits_2d'].shape == (3, 6)
    assert out['action_logits_3d'].shape == (3, 6)
    results = model(x2, samples, mode='predict')
    assert results[0]['pred_action_2d'] in ACTIONS
    assert results[2]['pred_action_3d'] in ACTIONS
    assert results[1]['action'] == samples['meta']['action'][1]
    lifter = Config.fromfile(osp.join(
        ROOT, 'configs', '_base_', 'models', 'stmo_lifter.py')).model
    lifter.encoder.update(embed_dim=16, dropout=0.0)
    lifter.trunk = mpm_cfg()['trunk']
    lifter.decoder.update(num_frames=T, strides=[3, 3], embed_dim=C,
                          ffn_dim=16, num_heads=2, head=dict(
                              type='PoseRegressionHead', in_channels=C,
                              num_joints=J))
    lifter.seq_head.update(in_channels=C)
    lifter = MODELS.build(lifter)
    info = load_pretrained_parts(lifter, model.state_dict())
    assert not info['missing']
    assert any(k.startswith('action_text.') for k in info['skipped'])


def test_demo_config_is_the_corpus_stage_one_plus_the_head():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'demo',
                                   'pretrain_corpus_action.py'))
    plain = Config.fromfile(osp.join(ROOT, 'configs', 'demo',
                                     'pretrain_corpus.py'))
    torch.manual_seed(4)
    model = MODELS.build(cfg.model)
    torch.manual_seed(4)
    reference = MODELS.build(plain.model)
    # the same random start for every part the plain stage I has
    ours = model.state_dict()
    for key, value in reference.state_dict().items():
        assert torch.equal(ours[key], value), key
    assert len(model.action_text.class_names) == 6 + 26
    assert model.action_text.text_embeddings.shape == (32, 384)
    assert cfg.train_cfg == plain.train_cfg
