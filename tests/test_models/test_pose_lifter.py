"""PoseLifter: counts from PAPER_FACTS, modes, flip augmentation and TTA."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.models.algorithms.pose_lifter import example_inputs
from mpm.registry import MODELS
from mpm.utils import H36M_SKELETON, flip_keypoints
from mpm.utils.complexity import count_complexity

BASE = Config.fromfile('configs/_base_/models/stmo_lifter.py').model


def lifter_cfg(frames=243, depth=4, **decoder):
    cfg = copy.deepcopy(BASE.to_dict())
    strides = {243: [3] * 5, 81: [3] * 4, 27: [3] * 3, 9: [3] * 2}[frames]
    cfg['trunk']['temporal'].update(num_frames=frames, depth=depth)
    cfg['decoder'].update(num_frames=frames, strides=strides, **decoder)
    return cfg


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


# (frames, L, all params, paper params, paper MFLOPs) from PAPER_FACTS.
ROWS = [
    (243, 3, 6_482_278, 6_224_230, 1481.9),
    (243, 4, 7_009_382, 6_750_310, 1736.7),
    (81, 4, 6_054_246, 5_962_086, 577.9),
    (27, 4, 5_209_702, 5_173_862, 191.6),
]


@pytest.mark.parametrize('frames,depth,params,paper_params,paper_mflops', ROWS)
def test_counts_match_paper(frames, depth, params, paper_params,
                            paper_mflops):
    model = MODELS.build(lifter_cfg(frames, depth))
    result = count_complexity(model, example_inputs(model))
    assert result['full']['params'] == params
    assert result['paper']['params'] == paper_params
    assert round(result['paper']['flops'] / 1e6, 1) == paper_mflops
    # Full count adds the attention products, so it must be larger.
    assert result['full']['flops'] > result['paper']['flops']


def test_config_file_counts():
    cfg = Config.fromfile('configs/pstmo/finetune_h36m_cpn_243f.py')
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) == 7_009_382
    assert cfg.train_dataloader.dataset.dilation == 2
    assert cfg.train_dataloader.dataset.seq_len == 243


def small_lifter(**kwargs):
    cfg = lifter_cfg(9, 1)
    cfg['encoder'].update(embed_dim=32)
    cfg['trunk']['spatial'].update(in_dim=32, out_dim=16)
    cfg['trunk']['temporal'].update(embed_dim=16, ffn_dim=32, num_heads=2)
    cfg['decoder'].update(embed_dim=16, ffn_dim=32, num_heads=2)
    cfg['decoder']['head'].update(in_channels=16)
    cfg['seq_head'].update(in_channels=16)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_modes_shapes_and_loss_backward():
    torch.manual_seed(0)
    model = small_lifter()
    x = torch.randn(4, 9, 17, 2)
    final, seq = model(x, mode='tensor')
    assert final.shape == (4, 1, 17, 3) and seq.shape == (4, 9, 17, 3)
    samples = dict(keypoints_3d=torch.randn(4, 9, 17, 3),
                   target_index=torch.full((4, ), 4))
    losses = model(x, samples, mode='loss')
    assert set(losses) == {'loss_final', 'loss_seq'}
    sum(losses.values()).backward()
    assert model.encoder.fc.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='Invalid mode'):
        model(x, mode='nope')


def test_loss_uses_target_frame():
    """With the sequence term off, the loss only sees gt[target_index]."""
    torch.manual_seed(0)
    model = small_lifter(seq_weight=0.0).eval()
    x = torch.randn(2, 9, 17, 2)
    gt = torch.randn(2, 9, 17, 3)
    idx = torch.tensor([4, 4])
    base = model(x, dict(keypoints_3d=gt, target_index=idx), mode='loss')
    gt2 = gt.clone()
    gt2[:, 0] += 5  # a frame that is not the target
    other = model(x, dict(keypoints_3d=gt2, target_index=idx), mode='loss')
    assert set(base) == {'loss_final'}
    torch.testing.assert_close(base['loss_final'], other['loss_final'])


def test_flip_test_is_flip_equivariant():
    """With flip averaging, predicting the mirror gives the mirrored pose."""
    torch.manual_seed(0)
    perm = H36M_SKELETON.flip_permutation
    model = small_lifter(flip_test=True).eval()
    x = torch.randn(3, 9, 17, 2)
    pred = model.predict_pose(x)
    pred_of_flip = model.predict_pose(flip_keypoints(x, perm))
    torch.testing.assert_close(pred_of_flip, flip_keypoints(pred, perm),
                               atol=1e-5, rtol=1e-5)
    assert torch.all(pred[:, 0] == 0)
    plain = small_lifter(flip_test=False).eval()
    plain.load_state_dict(model.state_dict())
    assert not torch.allclose(plain.predict_pose(flip_keypoints(x, perm)),
                              flip_keypoints(plain.predict_pose(x), perm))


def test_predict_returns_per_sample_meta_and_gt():
    model = small_lifter().eval()
    x = torch.randn(2, 9, 17, 2)
    gt = torch.randn(2, 9, 17, 3)
    samples = dict(keypoints_3d=gt, target_index=torch.tensor([4, 4]),
                   meta=dict(subject=['S9', 'S11'], action=['Walking', 'Eating'],
                             frame=torch.tensor([10, 20])))
    out = model(x, samples, mode='predict')
    assert [o['subject'] for o in out] == ['S9', 'S11']
    assert out[1]['frame'] == 20 and out[1]['action'] == 'Eating'
    torch.testing.assert_close(out[0]['gt_keypoints_3d'], gt[0, 4])
    assert out[0]['pred_keypoints_3d'].shape == (17, 3)


def test_preprocessor_flips_2d_and_3d_together():
    pre = MODELS.build(dict(type='PoseDataPreprocessor', flip_prob=1.0))
    perm = H36M_SKELETON.flip_permutation
    k2 = torch.randn(2, 9, 17, 2)
    k3 = torch.randn(2, 9, 17, 3)
    batch = dict(keypoints_2d=k2, keypoints_3d=k3,
                 target_index=torch.tensor([4, 4]))
    out = pre(batch, training=True)
    torch.testing.assert_close(out['inputs'], flip_keypoints(k2, perm))
    torch.testing.assert_close(out['data_samples']['keypoints_3d'],
                               flip_keypoints(k3, perm))
    # No augmentation at test time.
    out = pre(batch, training=False)
    torch.testing.assert_close(out['inputs'], k2)


def test_preprocessor_3d_only_batch():
    pre = MODELS.build(dict(type='PoseDataPreprocessor', flip_prob=1.0,
                            noise_std=0.1))
    k3 = torch.randn(2, 5, 17, 3)
    out = pre(dict(keypoints_3d=k3, has_3d=torch.ones(2, dtype=torch.bool)),
              training=True)
    assert out['inputs'] is None
    torch.testing.assert_close(
        out['data_samples']['keypoints_3d'],
        flip_keypoints(k3, H36M_SKELETON.flip_permutation))
    assert out['data_samples']['has_3d'].all()
    with pytest.raises(KeyError, match='neither keypoints_2d nor'):
        pre(dict(target_index=torch.tensor([0])), training=False)


def test_preprocessor_flip_is_per_sample_and_seeded():
    pre = MODELS.build(dict(type='PoseDataPreprocessor', flip_prob=0.5))
    k2 = torch.randn(64, 3, 17, 2)
    batch = dict(keypoints_2d=k2, keypoints_3d=torch.randn(64, 3, 17, 3))
    torch.manual_seed(1)
    a = pre(batch, training=True)['inputs']
    torch.manual_seed(1)
    b = pre(batch, training=True)['inputs']
    torch.testing.assert_close(a, b)
    flipped = (a != k2).flatten(1).any(1)
    assert 10 < int(flipped.sum()) < 54  # some flipped, some not
