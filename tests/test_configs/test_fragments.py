"""Configs state only what differs: the no-validation block and the demo's
iteration schedule live in one fragment each (issue 12)."""
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
