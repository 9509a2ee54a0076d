"""Pose completion: occlusion maskers, PoseCompletion, weight transfer,
configs (MPM Tables 3 and 4)."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.models.algorithms.pose_completion import (STAGE1_TO_COMPLETION_2D,
                                                   STAGE1_TO_COMPLETION_3D,
                                                   STAGE2_TO_COMPLETION_2D,
                                                   completion_key_map)
from mpm.models.maskers import OcclusionMasker, sample_seed
from mpm.registry import MASKERS, METRICS, MODELS

T = 9
J = 17

#: The paper's body-part protocols, written out here independently of the
#: module's table (PAPER_FACTS: Human3.6M order).
EXPECTED_JOINTS = {
    'right_leg': {1, 2, 3},
    'left_leg': {4, 5, 6},
    'left_arm': {11, 12, 13},
    'right_arm': {14, 15, 16},
    'both_legs': {1, 2, 3, 4, 5, 6},
    'both_arms': {11, 12, 13, 14, 15, 16},
    'left_leg_arm': {4, 5, 6, 11, 12, 13},
    'right_leg_arm': {1, 2, 3, 14, 15, 16},
}


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


# ---------------------------------------------------------------- maskers


@pytest.mark.parametrize('setting', sorted(EXPECTED_JOINTS))
def test_fixed_setting_hides_exactly_its_joints_in_every_frame(setting):
    masker = MASKERS.build(dict(type='OcclusionMasker', setting=setting))
    x = torch.zeros(5, T, J, 3)
    for mask in (masker(x), masker.seeded(x, range(5)),
                 masker(x, generator=torch.Generator().manual_seed(1))):
        assert mask.shape == (5, T, J) and mask.dtype == torch.bool
        for b in range(5):
            for t in range(T):
                hidden = set(torch.nonzero(mask[b, t]).flatten().tolist())
                assert hidden == EXPECTED_JOINTS[setting], (b, t)


@pytest.mark.parametrize('setting,count', [('random_1', 1), ('random_2', 2)])
def test_random_settings_are_tubes_of_k_joints_drawn_per_sample(
        setting, count):
    masker = OcclusionMasker(setting)
    torch.manual_seed(0)
    mask = masker(torch.zeros(64, T, J, 2))
    assert (mask.sum(-1) == count).all()
    # Tube: the same joints in every frame of a sample.
    assert (mask == mask[:, :1]).all()
    # Drawn per sample: many different sets, covering many joints.
    sets = {tuple(torch.nonzero(m[0]).flatten().tolist()) for m in mask}
    assert len(sets) > 10
    assert mask[:, 0].any(0).sum() >= 12
    # Candidates restrict the draw.
    limited = OcclusionMasker(setting, candidates=[3, 7, 9])(
        torch.zeros(32, T, J, 2))
    assert not limited[..., [j for j in range(J) if j not in (3, 7, 9)]].any()


def test_seeded_masks_are_reproducible_and_per_sample():
    masker = OcclusionMasker('random_2')
    x = torch.zeros(6, T, J, 2)
    seeds = [11, 22, 33, 44, 55, 66]
    first = masker.seeded(x, seeds)
    torch.manual_seed(123)  # the global RNG plays no part
    assert torch.equal(first, masker.seeded(x, seeds))
    # Sample b depends only on seeds[b]: reordering / splitting the batch
    # reorders / splits the masks.
    order = [3, 0, 5, 1, 4, 2]
    assert torch.equal(masker.seeded(x, [seeds[i] for i in order]),
                       first[order])
    assert torch.equal(masker.seeded(x[:2], seeds[:2]), first[:2])
    g1, g2 = (torch.Generator().manual_seed(5) for _ in range(2))
    assert torch.equal(masker(x, generator=g1), masker(x, generator=g2))
    with pytest.raises(ValueError, match='2 seeds for a batch of 6'):
        masker.seeded(x, [1, 2])


def test_sample_seed_depends_on_setting_meta_and_base_seed():
    meta = dict(subject='S9', sequence='Walking 1', camera=0, frame=10)
    seed = sample_seed(0, 'random_1', meta)
    assert seed == sample_seed(0, 'random_1', dict(reversed(meta.items())))
    assert 0 <= seed < 2**63
    others = {
        sample_seed(1, 'random_1', meta),
        sample_seed(0, 'random_2', meta),
        sample_seed(0, 'random_1', dict(meta, frame=11)),
        sample_seed(0, 'random_1', dict(meta, camera=1)),
    }
    assert seed not in others and len(others) == 4
    assert sample_seed(0, 'random_1', None, 3) == sample_seed(
        0, 'random_1', {}, 3) != sample_seed(0, 'random_1', {}, 4)


def test_occlusion_masker_errors():
    with pytest.raises(ValueError, match="Unknown occlusion setting 'nose'"):
        OcclusionMasker('nose')
    with pytest.raises(ValueError, match='out of range|only 6 joints'):
        OcclusionMasker('right_arm')(torch.zeros(1, 2, 6, 2))
    with pytest.raises(ValueError, match='only 1 candidates'):
        OcclusionMasker('random_2', candidates=[0])
    with pytest.raises(ValueError, match=r'\(B, T, J, C\)'):
        OcclusionMasker('left_leg')(torch.zeros(2, J, 2))
    head = OcclusionMasker('head', joints=[9, 10])(torch.zeros(1, 2, J, 2))
    assert set(torch.nonzero(head[0, 1]).flatten().tolist()) == {9, 10}


# ------------------------------------------------------------ the model


def tiny_trunk(frames=T):
    return dict(
        type='PoseTrunk',
        spatial=dict(type='SpatialMLP', in_dim=16, out_dim=8, dropout=0.0),
        temporal=dict(type='TemporalTransformer', num_frames=frames,
                      embed_dim=8, depth=1, num_heads=2, ffn_dim=16,
                      dropout=0.0))


def tiny_encoder(channels):
    return dict(type='PoseEncoder', num_joints=J, in_channels=channels,
                embed_dim=16, dropout=0.0)


def tiny_masked_decoder(channels):
    return dict(type='MaskedPoseDecoder', num_frames=T, in_channels=8,
                embed_dim=8, depth=1, num_heads=2, ffn_dim=16, dropout=0.0,
                num_joints=J, out_channels=channels)


def tiny_lifter_parts():
    return dict(
        encoder=tiny_encoder(2),
        trunk=tiny_trunk(),
        decoder=dict(type='StridedTransformerDecoder', num_frames=T,
                     strides=[3, 3], embed_dim=8, ffn_dim=16, num_heads=2,
                     dropout=0.0,
                     head=dict(type='PoseRegressionHead', in_channels=8,
                               num_joints=J)),
        seq_head=dict(type='PoseRegressionHead', in_channels=8,
                      num_joints=J))


def tiny_2d(**kwargs):
    cfg = dict(type='PoseCompletion', mode='2d_to_3d', **tiny_lifter_parts())
    cfg.update(kwargs)
    return cfg


def tiny_3d(**kwargs):
    cfg = dict(type='PoseCompletion', mode='3d_to_3d',
               encoder=tiny_encoder(3), trunk=tiny_trunk(),
               decoder=tiny_masked_decoder(3))
    cfg.update(kwargs)
    return cfg


def make_batch(B=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x2 = torch.rand(B, T, J, 2, generator=g) * 2 - 1
    x3 = torch.rand(B, T, J, 3, generator=g) - 0.5
    x3[:, :, 0] = 0
    meta = dict(subject=['S9'] * B, action=['Walking', 'Eating'] * (B // 2),
                sequence=['x'] * B, camera=torch.zeros(B, dtype=torch.long),
                frame=torch.arange(B) * 7)
    return x2, dict(keypoints_3d=x3, target_index=torch.full((B, ), T // 2),
                    meta=meta)


def test_2d_loss_against_float64_reference():
    model = MODELS.build(tiny_2d(seq_weight=0.5, final_weight=2.0))
    x2, samples = make_batch()
    torch.manual_seed(3)
    losses = model(x2, samples, mode='loss')
    assert set(losses) == {'loss_final', 'loss_seq'}
    torch.manual_seed(3)  # the same training mask again
    out = model(x2, samples, mode='tensor')
    assert out['final'].shape == (4, 1, J, 3)
    assert out['sequence'].shape == (4, T, J, 3)
    assert out['mask'].shape == (4, T, J)
    final = out['final'].detach().double().numpy()[:, 0]
    seq = out['sequence'].detach().double().numpy()
    final[:, 0] = 0
    seq[:, :, 0] = 0
    gt = samples['keypoints_3d'].double().numpy()
    ref_final = np.linalg.norm(final - gt[:, T // 2], axis=-1).mean()
    ref_seq = np.linalg.norm(seq - gt, axis=-1).mean()
    assert losses['loss_final'].item() == pytest.approx(2.0 * ref_final,
                                                        rel=1e-5)
    assert losses['loss_seq'].item() == pytest.approx(0.5 * ref_seq,
                                                      rel=1e-5)
    sum(losses.values()).backward()
    assert model.mask_vector_2d.grad is not None
    assert model.mask_vector_2d.grad.abs().sum() > 0


@pytest.mark.parametrize('loss_on', ['all', 'hidden'])
def test_3d_loss_against_float64_reference(loss_on):
    model = MODELS.build(tiny_3d(loss_on=loss_on, loss_weight=3.0))
    _, samples = make_batch()
    torch.manual_seed(4)
    losses = model(None, samples, mode='loss')
    assert set(losses) == {'loss_m3m'}
    torch.manual_seed(4)
    out = model(None, samples, mode='tensor')
    recon = out['recon'].detach().double().numpy()
    mask = out['mask'].numpy()
    # Training masks: one Table 4 limb per sample, in every frame.
    for b in range(4):
        hidden = set(torch.nonzero(out['mask'][b, 0]).flatten().tolist())
        assert hidden in [EXPECTED_JOINTS[s] for s in
                          ('right_leg', 'left_leg', 'left_arm', 'right_arm')]
        assert (mask[b] == mask[b, :1]).all()
    dist = np.linalg.norm(recon - samples['keypoints_3d'].double().numpy(),
                          axis=-1)
    ref = dist.mean() if loss_on == 'all' else dist[mask].mean()
    assert losses['loss_m3m'].item() == pytest.approx(3.0 * ref, rel=1e-5)
    losses['loss_m3m'].backward()
    assert model.mask_vector_3d.grad.abs().sum() > 0


@pytest.mark.parametrize('cfg', [tiny_2d, tiny_3d])
def test_predict_shapes_and_hidden_joints(cfg):
    model = MODELS.build(cfg()).eval()
    x2, samples = make_batch()
    results = model(x2, samples, mode='predict')
    assert len(results) == 4
    settings = model.eval_settings
    pose_shape = (J, 3) if model.mode == '2d_to_3d' else (T, J, 3)
    for r in results:
        assert list(r['pred_keypoints_3d_per_setting']) == settings
        assert r['gt_keypoints_3d'].shape == pose_shape
        assert r['completion_task'] == model.mode
        assert r['subject'] == 'S9'
        for s in settings:
            pred = r['pred_keypoints_3d_per_setting'][s]
            hidden = r['hidden_joints_per_setting'][s]
            assert pred.shape == pose_shape
            assert hidden.shape == pose_shape[:-1]
            assert torch.all(pred[..., 0, :] == 0)  # root at the origin
            count = hidden.reshape(-1, J).sum(-1)
            if s in EXPECTED_JOINTS:
                assert set(torch.nonzero(hidden.reshape(-1, J)[0]).flatten()
                           .tolist()) == EXPECTED_JOINTS[s]
            else:
                assert (count == int(s[-1])).all()
    if model.mode == '2d_to_3d':
        assert settings == ['random_1', 'random_2', 'both_legs', 'both_arms',
                            'left_leg_arm', 'right_leg_arm']
        gt = samples['keypoints_3d'][:, T // 2]
        assert torch.equal(results[1]['gt_keypoints_3d'], gt[1])
    else:
        assert settings == ['right_leg', 'left_leg', 'left_arm', 'right_arm']


@pytest.mark.parametrize('cfg', [tiny_2d, tiny_3d])
def test_predict_reproducible_and_independent_of_batching(cfg):
    model = MODELS.build(cfg()).eval()
    x2, samples = make_batch(B=4)
    torch.manual_seed(0)
    first = model(x2, samples, mode='predict')
    torch.manual_seed(99)
    again = model(x2, samples, mode='predict')
    halves = []
    for sl in (slice(0, 2), slice(2, 4)):
        part = dict(keypoints_3d=samples['keypoints_3d'][sl],
                    target_index=samples['target_index'][sl],
                    meta={k: v[sl] for k, v in samples['meta'].items()})
        halves += model(x2[sl], part, mode='predict')
    for a, b, c in zip(first, again, halves):
        for s in model.eval_settings:
            assert torch.equal(a['hidden_joints_per_setting'][s],
                               b['hidden_joints_per_setting'][s])
            assert torch.equal(a['hidden_joints_per_setting'][s],
                               c['hidden_joints_per_setting'][s])
            torch.testing.assert_close(a['pred_keypoints_3d_per_setting'][s],
                                       c['pred_keypoints_3d_per_setting'][s])
    # Different windows get different random joints.
    drawn = {tuple(torch.nonzero(r['hidden_joints_per_setting']['random_1']
                                 .reshape(-1, J)[0]).flatten().tolist())
             for r in first} if 'random_1' in model.eval_settings else None
    if drawn is not None:
        assert len(drawn) > 1


@pytest.mark.parametrize('cfg,flip', [(tiny_2d, True), (tiny_2d, False),
                                      (tiny_3d, False)])
def test_hidden_input_values_do_not_reach_the_prediction(cfg, flip):
    """The mask vector replaces hidden joints (also in the mirrored input
    of flip testing, whose mask must be mirrored too)."""
    model = MODELS.build(cfg(flip_test=flip)).eval()
    x2, samples = make_batch()
    x = x2 if model.mode == '2d_to_3d' else samples['keypoints_3d']
    for setting in model.eval_settings:
        mask = model.eval_mask(x, setting)
        noisy = torch.where(mask.unsqueeze(-1), torch.randn_like(x) * 5, x)
        torch.testing.assert_close(model.predict_completion(x, mask),
                                   model.predict_completion(noisy, mask))
        # ... while visible joints do matter.
        moved = torch.where(mask.unsqueeze(-1), x, x + 0.3)
        assert not torch.allclose(model.predict_completion(x, mask),
                                  model.predict_completion(moved, mask))


def test_keep_visible_returns_the_input_at_visible_joints():
    model = MODELS.build(tiny_3d(keep_visible=True)).eval()
    raw = MODELS.build(tiny_3d()).eval()
    raw.load_state_dict(model.state_dict())
    _, samples = make_batch()
    x = samples['keypoints_3d']
    mask = model.eval_mask(x, 'left_arm')
    kept = model.predict_completion(x, mask)
    recon = raw.predict_completion(x, mask)
    assert torch.equal(kept[~mask], x[~mask])
    assert torch.equal(kept[mask], recon[mask])
    assert not torch.allclose(recon[~mask], x[~mask])
    with pytest.raises(ValueError, match='keep_visible'):
        MODELS.build(tiny_2d(keep_visible=True))


def test_predict_feeds_the_completion_metric():
    model = MODELS.build(tiny_3d()).eval()
    _, samples = make_batch()
    metric = METRICS.build(dict(type='CompletionMetric'))
    metric.process({}, model(None, samples, mode='predict'))
    metrics = metric.compute_metrics(metric.results)
    assert metrics['input_channels'] == 3
    assert set(k for k in metrics if k.startswith('mpjpe_mm/')) == {
        'mpjpe_mm/right_leg', 'mpjpe_mm/left_leg', 'mpjpe_mm/left_arm',
        'mpjpe_mm/right_arm'}
    assert metrics['num_frames'] == 4 * T
    assert 'Table 4' in type(metric).format_table(metrics)


def test_bad_construction():
    with pytest.raises(ValueError, match="mode must be one of"):
        MODELS.build(tiny_2d(mode='2d'))
    with pytest.raises(ValueError, match='in_channels=3'):
        MODELS.build(tiny_3d(encoder=tiny_encoder(2)))
    with pytest.raises(ValueError, match='seq_head'):
        MODELS.build(tiny_3d(seq_head=dict(type='PoseRegressionHead',
                                           in_channels=8, num_joints=J)))
    with pytest.raises(ValueError, match="Unknown occlusion setting"):
        MODELS.build(tiny_2d(eval_settings=['random_3']))
    with pytest.raises(ValueError, match='given twice'):
        MODELS.build(tiny_2d(eval_settings=['left_leg', 'left_leg']))
    model = MODELS.build(tiny_3d())
    with pytest.raises(ValueError, match="needs data_samples"):
        model(torch.zeros(1, T, J, 2), {}, mode='loss')
    with pytest.raises(KeyError, match='not an eval setting'):
        model.eval_mask(torch.zeros(1, T, J, 3), 'random_1')
    with pytest.raises(ValueError, match='no key map'):
        completion_key_map('3d_to_3d', 'stage2')


# ---------------------------------------------------- pretrained parts


def stage1_model():
    return MODELS.build(dict(
        type='MaskedPoseModeling', encoder_2d=tiny_encoder(2),
        encoder_3d=tiny_encoder(3), trunk=tiny_trunk(),
        decoder_2d=tiny_masked_decoder(2),
        decoder_3d=tiny_masked_decoder(3)))


def stage2_model():
    return MODELS.build(dict(type='PoseLifter', **tiny_lifter_parts()))


def save(model, path):
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


@pytest.mark.parametrize('source,cfg,key_map,prefixes', [
    ('stage1', tiny_3d, STAGE1_TO_COMPLETION_3D,
     ('encoder_3d.', 'trunk.', 'decoder_3d.', 'mask_vector_3d')),
    ('stage1', tiny_2d, STAGE1_TO_COMPLETION_2D,
     ('encoder.', 'trunk.', 'mask_vector_2d')),
    ('stage2', tiny_2d, STAGE2_TO_COMPLETION_2D,
     ('encoder.', 'trunk.', 'decoder.', 'seq_head.')),
])
def test_pretrained_parts_load_into_completion(tmp_path, source, cfg,
                                               key_map, prefixes):
    from mpm.engine import apply_mmengine_fixes
    apply_mmengine_fixes()
    src = stage1_model() if source == 'stage1' else stage2_model()
    with torch.no_grad():
        for p in src.parameters():
            p.add_(torch.randn_like(p))
    path = save(src, tmp_path / 'src.pth')
    model = MODELS.build(cfg(init_cfg=dict(type='PretrainedParts',
                                           checkpoint=path,
                                           key_map=key_map)))
    assert completion_key_map(model.mode, source) == key_map
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.init_weights()
    after, ref = model.state_dict(), src.state_dict()
    moved = [k for k in after if k.startswith(prefixes)]
    assert len(moved) > 10
    for k in moved:
        assert torch.equal(after[k], ref[k]), k
    for k in after:
        if not k.startswith(prefixes):
            assert torch.equal(after[k], before[k]), k
    # The names match the source, so a plain non-strict load (``load_from``)
    # fills every parameter the key map names.
    fresh = MODELS.build(cfg())
    missing, _ = fresh.load_state_dict(src.state_dict(), strict=False)
    assert not [k for k in missing if k.startswith(prefixes)]


# ---------------------------------------------------------------- configs


@pytest.mark.parametrize('path,mode,settings', [
    ('configs/mpm/completion_2d_to_3d_27f.py', '2d_to_3d',
     ['random_1', 'random_2', 'both_legs', 'both_arms', 'left_leg_arm',
      'right_leg_arm']),
    ('configs/mpm/completion_3d_to_3d_27f.py', '3d_to_3d',
     ['right_leg', 'left_leg', 'left_arm', 'right_arm']),
    ('configs/demo/completion_2d_to_3d.py', '2d_to_3d', None),
    ('configs/demo/completion_3d_to_3d.py', '3d_to_3d', None),
])
def test_configs_build(path, mode, settings):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model.mode == mode
    if settings is not None:
        assert model.eval_settings == settings
        assert cfg.train_dataloader.dataset.seq_len == 27
        assert cfg.train_dataloader.dataset.data_root == 'data/h36m/'
        assert 'cpn' in cfg.train_dataloader.dataset.file_2d
    assert model.trunk.temporal.num_frames == \
        cfg.train_dataloader.dataset.seq_len
    assert cfg.test_evaluator.type == 'CompletionMetric'
    assert cfg.val_evaluator.type == 'CompletionMetric'
    # Training masks: one of the evaluated settings, tube-masked.
    torch.manual_seed(0)
    frames = cfg.train_dataloader.dataset.seq_len
    x = torch.zeros(64, frames, J, 2 if mode == '2d_to_3d' else 3)
    mask = model.train_masker(x)
    assert (mask == mask[:, :1]).all()
    fixed = [EXPECTED_JOINTS[s] for s in model.eval_settings
             if s in EXPECTED_JOINTS]
    for m in mask[:, 0]:
        hidden = set(torch.nonzero(m).flatten().tolist())
        assert hidden in fixed or len(hidden) in (1, 2)


def test_demo_3d_config_runs_a_step():
    model = MODELS.build(
        Config.fromfile('configs/demo/completion_3d_to_3d.py').model)
    x3 = torch.rand(2, 27, J, 3)
    loss = model(None, dict(keypoints_3d=x3), mode='loss')['loss_m3m']
    loss.backward()
    assert torch.isfinite(loss)
