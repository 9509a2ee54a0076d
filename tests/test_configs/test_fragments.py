"""Configs state only what differs: the no-validation block, the demo's
iteration schedule, the keep-best-MPJPE checkpoint hook, the MPM stage I
network (one masked decoder for both branches) and its 3D branch live in
one fragment each (issue 12)."""
import re
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]
LEAVES = sorted(p for p in list((ROOT / 'configs').rglob('*.py')) +
                list((ROOT / 'projects').rglob('configs/*.py'))
                if '_base_' not in p.parts)
TRAIN_ONLY = ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader',
              'test_cfg', 'test_evaluator')


def rel(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize('path', LEAVES, ids=rel)
def test_no_leaf_restates_the_no_validation_block(path):
    text = path.read_text()
    restated = [k for k in TRAIN_ONLY
                if re.search(rf'^{k}\s*=\s*None\s*$', text, re.M)]
    assert restated == [], (
        f'{rel(path)} sets {restated} to None: inherit '
        'configs/_base_/datasets/h36m_cpn_train_only.py (or '
        'synthetic_h36m_train_only.py) instead')


def test_train_only_fragments_switch_off_every_loop():
    for name in ('h36m_cpn_train_only.py', 'synthetic_h36m_train_only.py'):
        cfg = Config.fromfile(str(ROOT / 'configs/_base_/datasets' / name))
        assert all(cfg[k] is None for k in TRAIN_ONLY), name
        assert cfg.train_dataloader.dataset.subjects == [
            'S1', 'S5', 'S6', 'S7', 'S8'
        ]
    synthetic = Config.fromfile(
        str(ROOT / 'configs/_base_/datasets/synthetic_h36m_train_only.py'))
    full = Config.fromfile(
        str(ROOT / 'configs/_base_/datasets/synthetic_h36m.py'))
    assert synthetic.train_dataloader == full.train_dataloader


@pytest.mark.parametrize('name', ['pretrain.py', 'actionpose_pretrain.py',
                                  'lifter.py'])
def test_demo_schedules_come_from_one_fragment(name):
    text = (ROOT / 'configs/demo' / name).read_text()
    assert "'../_base_/schedules/demo_adamw_cosine.py'" in text
    for key in ('default_hooks', 'log_processor'):
        assert not re.search(rf'^{key}\s*=', text, re.M), (name, key)
    cfg = Config.fromfile(str(ROOT / 'configs/demo' / name))
    # The cosine decay ends at the config's own last iteration.
    assert cfg.param_scheduler[-1]['end'] == cfg.train_cfg.max_iters \
        == cfg.max_iters
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=1.0)


@pytest.mark.parametrize('path', LEAVES, ids=rel)
def test_no_leaf_restates_the_best_checkpoint_hook(path):
    assert not re.search(r"save_best='mpjpe_mm'", path.read_text()), (
        f'{rel(path)} restates the best-MPJPE checkpoint hook: list '
        'configs/_base_/runtime_best_mpjpe.py instead of default_runtime.py')


def test_mpm_decoders_differ_only_in_their_output():
    model = Config.fromfile(
        str(ROOT / 'configs/_base_/models/mpm_network.py')).model
    d2, d3 = model.decoder_2d.to_dict(), model.decoder_3d.to_dict()
    assert (d2.pop('out_channels'), d3.pop('out_channels')) == (2, 3)
    assert d2 == d3
    text = (ROOT / 'configs/_base_/models/mpm_network.py').read_text()
    assert text.count("type='MaskedPoseDecoder'") == 1


def test_3d_completion_is_the_stage1_3d_branch():
    stage1 = Config.fromfile(
        str(ROOT / 'configs/mpm/pretrain_h36m_243f.py')).model
    completion = Config.fromfile(
        str(ROOT / 'configs/mpm/completion_3d_to_3d_27f.py')).model
    assert completion.type == 'ReconstructionCompletion'
    assert completion.encoder == stage1.encoder_3d
    # the same parts, on 27 frames instead of 243
    trunk, decoder = stage1.trunk.to_dict(), stage1.decoder_3d.to_dict()
    trunk['temporal']['num_frames'] = decoder['num_frames'] = 27
    assert completion.trunk.to_dict() == trunk
    assert completion.decoder.to_dict() == decoder
    text = (ROOT / 'configs/mpm/completion_3d_to_3d_27f.py').read_text()
    for part in ('PoseEncoder', 'PoseTrunk', 'MaskedPoseDecoder'):
        assert part not in text, part


def test_pretrain_large_reuses_the_h36m_training_set():
    large = Config.fromfile(str(ROOT / 'configs/mpm/pretrain_large.py'))
    main = Config.fromfile(str(ROOT / 'configs/mpm/pretrain_h36m_243f.py'))
    assert large.train_dataloader.dataset.datasets[0] == \
        main.train_dataloader.dataset
    text = (ROOT / 'configs/mpm/pretrain_large.py').read_text()
    assert "type='Human36mDataset'" not in text
