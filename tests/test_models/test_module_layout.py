"""Where the shared algorithm pieces live (issue 12): the masked-encoding
helpers and batch helpers in ``mpm.models.utils``, the stage I -> II
transfer in ``mpm.models.pretrained_parts``; old import paths still work."""
import importlib

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_INITIALIZERS

from mpm.models import pretrained_parts, utils
from mpm.registry import WEIGHT_INITIALIZERS

MOVED = {
    'mpm.models.utils.masked_encoding': [
        'visible_frame_index', 'apply_mask_vector', 'gather_frames',
        'encode_masked', 'new_mask_vector'
    ],
    'mpm.models.utils.pose_batch': ['zero_root', 'split_batch_meta'],
    'mpm.models.pretrained_parts': [
        'load_pretrained_parts', 'map_state_dict', 'PretrainedPartsInit',
        'STAGE1_TO_LIFTER'
    ],
}

OLD_PATHS = {
    'mpm.models.algorithms.masked_pose_modeling': [
        'visible_frame_index', 'apply_mask_vector', 'gather_frames',
        'encode_masked', 'load_pretrained_parts', 'map_state_dict',
        'PretrainedPartsInit', 'STAGE1_TO_LIFTER'
    ],
    'mpm.models.algorithms.pose_lifter': ['zero_root', 'split_batch_meta'],
    'mpm.models.algorithms': ['load_pretrained_parts', 'PretrainedPartsInit'],
}


@pytest.mark.parametrize('module,names', sorted(MOVED.items()))
def test_each_piece_is_defined_in_its_own_module(module, names):
    mod = importlib.import_module(module)
    for name in names:
        obj = getattr(mod, name)
        if callable(obj):
            assert obj.__module__ == module, name


@pytest.mark.parametrize('module,names', sorted(OLD_PATHS.items()))
def test_old_import_paths_give_the_same_objects(module, names):
    mod = importlib.import_module(module)
    for name in names:
        new = next(getattr(importlib.import_module(m), name)
                   for m, ns in MOVED.items() if name in ns)
        assert getattr(mod, name) is new, f'{module}.{name}'
    old = importlib.import_module('mpm.models.algorithms.masked_pose_modeling')
    assert old._mask_vector is utils.new_mask_vector


def test_new_mask_vector_is_a_small_trainable_vector():
    torch.manual_seed(0)
    p = utils.new_mask_vector(3000)
    assert isinstance(p, torch.nn.Parameter) and p.requires_grad
    assert p.shape == (3000, )
    # trunc_normal_(std=0.02) clips at +-2 (absolute), far beyond 0.02:
    # the draw is an ordinary N(0, 0.02^2) sample.
    p = p.detach()
    assert abs(float(p.std()) - 0.02) < 0.002
    assert abs(float(p.mean())) < 0.002


def test_pretrained_parts_lives_in_mpm_registry_only():
    # Registered once, in mpm's child registry, not forced into MMEngine's.
    assert 'PretrainedParts' in WEIGHT_INITIALIZERS.module_dict
    assert WEIGHT_INITIALIZERS.module_dict['PretrainedParts'] is \
        pretrained_parts.PretrainedPartsInit
    assert 'PretrainedParts' not in MMENGINE_INITIALIZERS.module_dict


def test_pretrained_parts_init_runs_under_any_current_scope(tmp_path,
                                                            tiny_lifter):
    with DefaultScope.overwrite_default_scope('mpm'):
        source = tiny_lifter()
    with torch.no_grad():
        for p in source.parameters():
            p.add_(1.0)
    path = tmp_path / 'stage1.pth'
    torch.save(dict(state_dict=source.state_dict()), path)
    with DefaultScope.overwrite_default_scope('mpm'):
        model = tiny_lifter(init_cfg=dict(type='PretrainedParts',
                                          checkpoint=str(path)))
    # A caller in MMEngine's own scope (no mpm runner around it).
    with DefaultScope.overwrite_default_scope('mmengine'):
        model.init_weights()
    assert torch.equal(model.encoder.fc.weight, source.encoder.fc.weight)
    assert torch.equal(model.trunk.spatial.proj.weight,
                       source.trunk.spatial.proj.weight)
