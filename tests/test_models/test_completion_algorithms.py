"""The two completion algorithms reuse their parts: 2D -> 3D completion is
the lifter with an input masker (its loss and flip averaging), 3D -> 3D is
stage I's 3D branch; ``PoseCompletion(mode=...)`` still builds them, with a
deprecation message naming the new type."""
import importlib.util
from pathlib import Path

import pytest
import torch
from mmengine.registry import init_default_scope

import mpm.models.algorithms.pose_completion as pose_completion
from mpm.models.algorithms import (LiftingCompletion, PoseLifter,
                                   ReconstructionCompletion)
from mpm.registry import MODELS
from mpm.utils import flip_keypoints

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    'completion_fixtures', HERE / 'test_pose_completion.py')
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def lifting(**kwargs):
    return dict(type='LiftingCompletion', **fx.tiny_lifter_parts(), **kwargs)


def lifter_with_same_weights(model):
    lifter = MODELS.build(dict(type='PoseLifter', **fx.tiny_lifter_parts(),
                               flip_test=model.flip_test)).eval()
    missing, unexpected = lifter.load_state_dict(model.state_dict(),
                                                 strict=False)
    assert not missing
    assert set(unexpected) == {'mask_vector_2d'}
    return lifter


def filled(x, mask, vector):
    """Hidden joints replaced by the mask vector (the reference input)."""
    out = x.clone()
    out[mask] = vector.detach()
    return out


def test_new_types_build_the_algorithms():
    assert isinstance(MODELS.build(lifting()), LiftingCompletion)
    assert isinstance(MODELS.build(lifting()), PoseLifter)
    model = MODELS.build(dict(type='ReconstructionCompletion',
                              encoder=fx.tiny_encoder(3),
                              trunk=fx.tiny_trunk(),
                              decoder=fx.tiny_masked_decoder(3)))
    assert isinstance(model, ReconstructionCompletion)
    assert model.mode == '3d_to_3d'


def test_pose_completion_is_deprecated_with_the_new_name(monkeypatch):
    said = []
    monkeypatch.setattr(pose_completion, 'print_log',
                        lambda msg, **kw: said.append(msg))
    assert isinstance(MODELS.build(fx.tiny_2d()), LiftingCompletion)
    assert isinstance(MODELS.build(fx.tiny_3d()), ReconstructionCompletion)
    assert 'LiftingCompletion' in said[0] and 'deprecated' in said[0]
    assert 'ReconstructionCompletion' in said[1]
    said.clear()
    MODELS.build(lifting())
    assert said == []


def test_loss_is_the_lifters_loss_on_the_masked_input():
    model = MODELS.build(lifting(final_weight=2.0, seq_weight=0.5))
    with torch.no_grad():
        model.mask_vector_2d.copy_(torch.tensor([0.3, -0.2]))
    x2, samples = fx.make_batch()
    torch.manual_seed(5)
    losses = model(x2, samples, mode='loss')
    torch.manual_seed(5)
    mask = model.train_masker(x2)
    assert mask.any()
    lifter = MODELS.build(dict(type='PoseLifter', **fx.tiny_lifter_parts(),
                               final_weight=2.0, seq_weight=0.5))
    lifter.load_state_dict(model.state_dict(), strict=False)
    ref = lifter(filled(x2, mask, model.mask_vector_2d), samples,
                 mode='loss')
    for key in ('loss_final', 'loss_seq'):
        torch.testing.assert_close(losses[key], ref[key])


@pytest.mark.parametrize('flip', [False, True])
def test_prediction_is_the_lifters_with_the_mask_mirrored(flip):
    model = MODELS.build(lifting(flip_test=flip)).eval()
    with torch.no_grad():
        model.mask_vector_2d.copy_(torch.tensor([0.5, 0.1]))
    lifter = lifter_with_same_weights(model)
    lifter.flip_test = False
    x2, _ = fx.make_batch()
    mask = model.eval_mask(x2, 'left_leg_arm')
    got = model.predict_completion(x2, mask)
    ref = lifter.predict_pose(filled(x2, mask, model.mask_vector_2d))
    if flip:
        idx = model.flip_indices
        mirrored = lifter.predict_pose(filled(
            flip_keypoints(x2, idx), mask[..., idx], model.mask_vector_2d))
        ref = (ref + flip_keypoints(mirrored, idx)) / 2
    torch.testing.assert_close(got, ref)
    # A joint missing from the input (NaN, as the apis mark it) is
    # completed the same way.
    missing = x2.masked_fill(mask.unsqueeze(-1), float('nan'))
    torch.testing.assert_close(model.predict_pose(missing), got)
