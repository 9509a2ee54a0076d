"""P-STMO pre-training: parameter counts, structure, loss, transfer."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mpm.models.algorithms.masked_pose_modeling import load_pretrained_parts
from mpm.registry import MODELS

BASE = Config.fromfile('configs/_base_/models/pstmo_pretrain.py').model


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def pstmo_cfg(depth=4, frames=243):
    cfg = copy.deepcopy(BASE.to_dict())
    cfg['trunk']['temporal'].update(depth=depth, num_frames=frames)
    cfg['decoder'].update(depth=depth - 1, num_frames=frames)
    return cfg


def num_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize('depth,params', [(3, 2_656_036), (4, 3_315_620)])
def test_parameter_counts_match_paper_facts(depth, params):
    assert num_params(MODELS.build(pstmo_cfg(depth))) == params


def test_parameter_count_by_part():
    """Hand sums of the parts (J = 17, 243 frames, L = 4)."""
    model = MODELS.build(pstmo_cfg(4))
    assert num_params(model.encoder) + num_params(
        model.trunk.spatial) == 677_632  # P-STMO's spatial MLP
    layer = 3 * 256 * 256 + 3 * 256 + 256 * 256 + 256 + 2 * 256 * 512 \
        + 512 + 256 + 4 * 256
    assert num_params(model.trunk.temporal) == 4 * layer + 243 * 256 + 512
    dec = model.decoder_2d
    assert isinstance(dec.input_norm, nn.LayerNorm)
    assert dec.proj.in_features == 256 and dec.proj.out_features == 128
    assert dec.proj.bias is None
    assert len(dec.layers) == 3
    block = 3 * 128 * 128 + 3 * 128 + 128 * 128 + 128 + 2 * 128 * 256 \
        + 256 + 128 + 4 * 128
    assert all(num_params(b) == block for b in dec.layers)
    assert dec.layers[0].ffn.fc1.out_features == 256
    assert dec.layers[0].attn.num_heads == 8
    assert dec.mask_token.shape == (1, 1, 128)
    assert dec.pos_embed.shape == (1, 243, 128)
    assert num_params(dec.head) == 2 * 128 + 128 * 34 + 34  # BN + Linear
    assert model.mask_vector_2d.shape == (2, )


def test_config_file_builds():
    cfg = Config.fromfile('configs/pstmo/pretrain_h36m_243f.py')
    model = MODELS.build(cfg.model)
    assert num_params(model) == 3_315_620
    assert (model.masker_2d.num_joints,
            model.masker_2d.frame_ratio) == (3, 0.6)
    assert cfg.train_dataloader.dataset.seq_len == 243
    assert cfg.train_dataloader.dataset.dilation == 2
    assert cfg.val_dataloader is None


def tiny_cfg(**kwargs):
    cfg = dict(
        type='PSTMOPretrain',
        encoder=dict(type='PoseEncoder', num_joints=17, in_channels=2,
                     embed_dim=16, dropout=0.0),
        trunk=dict(
            type='PoseTrunk',
            spatial=dict(type='SpatialMLP', in_dim=16, out_dim=8,
                         dropout=0.0),
            temporal=dict(type='TemporalTransformer', num_frames=9,
                          embed_dim=8, depth=2, num_heads=2, ffn_dim=16,
                          dropout=0.0)),
        decoder=dict(type='MaskedPoseDecoder', num_frames=9, in_channels=8,
                     embed_dim=4, depth=1, num_heads=2, ffn_dim=8,
                     dropout=0.0, input_norm=True, num_joints=17,
                     out_channels=2),
        masker=dict(type='SpatioTemporalMasker', num_joints=3,
                    frame_ratio=0.6))
    cfg.update(kwargs)
    return cfg


def test_forward_backward_and_frame_dropping():
    model = MODELS.build(tiny_cfg()).train()
    seen = []
    model.trunk.temporal.layers[0].register_forward_hook(
        lambda m, args, out: seen.append(tuple(args[0].shape)))
    x = torch.rand(3, 9, 17, 2)
    losses = model(x, None, mode='loss')
    assert set(losses) == {'loss_m2m'}
    losses['loss_m2m'].backward()
    assert seen == [(3, 4, 8)]  # 9 - int(0.6 * 9) visible frames
    assert model.mask_vector_2d.grad.abs().sum() > 0
    assert model.decoder_2d.mask_token.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.encoder.parameters())


@pytest.mark.parametrize('loss_on', ['all', 'hidden'])
def test_loss_against_float64_reference(loss_on):
    model = MODELS.build(tiny_cfg(loss_weight=1.5, loss_on=loss_on)).eval()
    x = torch.rand(3, 9, 17, 2)
    torch.manual_seed(5)
    loss = model(x, None, mode='loss')['loss_m2m'].item()
    torch.manual_seed(5)
    with torch.no_grad():
        mask = model.masker_2d(x)
        recon = model.reconstruct(x, mask)['recon'].double().numpy()
    dist = np.sqrt(((recon - x.double().numpy())**2).sum(-1))
    if loss_on == 'hidden':
        ref = dist[mask.numpy()].mean()
    else:
        ref = dist.mean()
    assert loss == pytest.approx(1.5 * ref, rel=1e-5)


def test_predict_and_transfer_to_lifter():
    model = MODELS.build(tiny_cfg()).eval()
    x = torch.rand(2, 9, 17, 2)
    results = model(x, dict(meta=dict(action=['Walking', 'Eating'])),
                    mode='predict')
    assert results[1]['action'] == 'Eating'
    assert results[0]['pred_keypoints_2d'].shape == (9, 17, 2)
    assert results[0]['mask_2d'].sum() == 5 * 17 + 4 * 3
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    base = Config.fromfile('configs/_base_/models/stmo_lifter.py').model
    lifter_cfg = copy.deepcopy(base.to_dict())
    lifter_cfg['encoder'] = tiny_cfg()['encoder']
    lifter_cfg['trunk'] = tiny_cfg()['trunk']
    lifter_cfg['decoder'].update(num_frames=9, strides=[3, 3], embed_dim=8,
                                 ffn_dim=16, num_heads=2,
                                 head=dict(type='PoseRegressionHead',
                                           in_channels=8))
    lifter_cfg['seq_head'].update(in_channels=8)
    lifter = MODELS.build(lifter_cfg)
    report = load_pretrained_parts(lifter, dict(state_dict=model.state_dict()))
    assert report['missing'] == [] and report['unexpected'] == []
    target = lifter.state_dict()
    for key, value in model.state_dict().items():
        if key.startswith(('encoder.', 'trunk.')):
            assert torch.equal(target[key], value), key
    assert 'decoder_2d.proj.weight' in report['skipped']


def test_pstmo_pretrain_is_a_2d_only_masked_pose_modeling():
    from mpm.models.algorithms import MaskedPoseModeling
    model = MODELS.build(tiny_cfg(loss_weight=1.5, loss_on='hidden',
                                  drop_frames=False))
    assert type(model) is MaskedPoseModeling
    assert model.encoder_3d is None and model.decoder_3d is None
    assert model.decoder_lift is None
    assert (model.lambda_m2m, model.loss_on, model.drop_frames) == (1.5,
                                                                    'hidden',
                                                                    False)
    assert (model.masker_2d.num_joints, model.masker_2d.frame_ratio) == (3,
                                                                         0.6)
    assert model.decoder_2d.pos_embed.shape == (1, 9, 4)
    # A batch that also carries 3D windows still trains the 2D branch only.
    x = torch.rand(2, 9, 17, 2)
    losses = model(x, dict(keypoints_3d=torch.rand(2, 9, 17, 3)),
                   mode='loss')
    assert set(losses) == {'loss_m2m'}


def test_checkpoints_of_the_former_class_load_strictly():
    """The former ``PSTMOPretrain`` class named its parts ``decoder`` and
    ``mask_vector``; such a checkpoint loads into the unified model."""
    torch.manual_seed(0)
    source = MODELS.build(tiny_cfg())
    legacy = {}
    for key, value in source.state_dict().items():
        if key.startswith('decoder_2d.'):
            key = 'decoder.' + key[len('decoder_2d.'):]
        elif key == 'mask_vector_2d':
            key = 'mask_vector'
        legacy[key] = value + 1.0 if value.is_floating_point() else value
    assert 'decoder.proj.weight' in legacy and 'mask_vector' in legacy
    torch.manual_seed(1)
    model = MODELS.build(tiny_cfg())
    model.load_state_dict(legacy, strict=True)
    assert torch.equal(model.mask_vector_2d, legacy['mask_vector'])
    assert torch.equal(model.decoder_2d.proj.weight,
                       legacy['decoder.proj.weight'])
