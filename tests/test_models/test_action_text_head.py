"""ActionTextHead alone: pooling and losses against float64 references
(MPM's stage I carrying it: test_masked_pose_modeling.py)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import mpm.models  # noqa: F401 (registers)
from mpm.models.decoders import ActionTextHead
from mpm.models.decoders.action_text_head import masked_mean

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_EMB = osp.join(ROOT, 'configs', 'demo', 'actionpose_text_embeddings.json')
T, C = 9, 8


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


def test_zero_shot_labels_are_kept_out_and_ranked_by_text():
    # 'Eating' and 'Phoning' are in the embedding file but are no class:
    # 'Walking' (a class) is named as zero-shot too, so it leaves the classes
    torch.manual_seed(1)
    head = tiny_head(zero_shot_labels=['Eating', 'Phoning', 'Walking'])
    assert head.class_names == ('SittingDown', 'Waving', 'Squatting',
                                'Turning', 'Reaching')
    assert head.zero_shot_names == ('Eating', 'Phoning', 'Walking')
    labels = head.labels_of(dict(meta=dict(
        action=['Waving', 'Eating', 'walking', 'Reaching'])), 'cpu')
    assert labels.tolist() == [1, -100, -100, 4]
    emb = torch.randn(4, C)
    out = head(emb)
    assert out['zero_shot_logits'].shape == (4, 3)
    # scaled cosine similarity to the file's raw vectors, float64
    with open(DEMO_EMB) as f:
        raw = json.load(f)
    texts = np.array([raw['Eating'], raw['Phoning'], raw['Walking']],
                     np.float64)
    aligned = head.text_proj(emb).detach().double().numpy()
    cos = (aligned / np.linalg.norm(aligned, axis=1, keepdims=True)) @ (
        texts / np.linalg.norm(texts, axis=1, keepdims=True)).T
    scale = float(head.align_loss.logit_scale.detach())
    np.testing.assert_allclose(out['zero_shot_logits'].detach().numpy(),
                               scale * cos, rtol=1e-5, atol=1e-5)
    # the losses skip the zero-shot windows
    losses = head.loss(out, labels)
    kept = torch.tensor([0, 3])
    np.testing.assert_allclose(
        float(losses['loss_action'].detach()),
        0.5 * ce_reference(out['action_logits'][kept], [1, 4]), rtol=1e-5)
    # shuffling moves the classes' vectors, never the zero-shot ones
    shuffled = tiny_head(zero_shot_labels=['Eating', 'Phoning', 'Walking'],
                         shuffle_text_embeddings=True)
    assert torch.equal(shuffled.zero_shot_embeddings,
                       head.zero_shot_embeddings)
    assert not torch.equal(shuffled.text_embeddings, head.text_embeddings)
    # no zero-shot labels: no zero-shot logits
    assert 'zero_shot_logits' not in tiny_head()(emb)


def test_zero_shot_bad_arguments():
    with pytest.raises(ValueError, match='list of labels'):
        tiny_head(zero_shot_labels='Eating')
    with pytest.raises(ValueError, match='text_encoder'):
        tiny_head(text_encoder=None, lambda_align=0.0,
                  zero_shot_labels=['Eating'])
    with pytest.raises(ValueError, match='at least one class'):
        tiny_head(zero_shot_labels=['Walking', 'SittingDown', 'Waving',
                                    'Squatting', 'Turning', 'Reaching'])
    with pytest.raises(KeyError, match='Jumping'):
        tiny_head(zero_shot_labels=['Jumping'])
