"""A run prints nothing a user cannot act on.

MMEngine warns once per runner registry it searches in the config's scope
without finding an ``mpm`` child (``Failed to search registry with scope
"mpm" in the "loop" registry tree ...``), and every time an
iteration-based run exhausts a ``DefaultSampler`` (``Reach the end of the
dataloader ... use InfiniteSampler``). mpm registers the children
(``mpm/registry.py``) and its iteration-based configs use
``InfiniteSampler``; the smoke run below crosses the end of its (tiny)
training set twice and must print no warning at all (also not MMEngine's
``FileClient`` / ``HardDiskBackend`` deprecation notices: see patch 3 of
``mpm/engine/mmengine_patches.py``).
"""
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.registry import root as mmengine_root

import mpm.registry  # noqa: F401  (creates the mpm children)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

def warning_lines(log: str):
    return [line for line in log.splitlines()
            if 'WARNING' in line or 'Warning' in line]


def test_every_runner_registry_has_an_mpm_child():
    """MMEngine looks up each root registry in scope 'mpm'; each must find
    an mpm child (else it warns and falls back to the root)."""
    roots = [obj for obj in vars(mmengine_root).values()
             if type(obj).__name__ == 'Registry']
    assert len(roots) >= 20
    init_default_scope('mpm')
    with DefaultScope.overwrite_default_scope('mpm'):
        for registry in roots:
            with registry.switch_scope_and_registry(None) as found:
                assert found.scope == 'mpm', (
                    f'MMEngine registry {registry.name!r} has no mpm child')


def test_iteration_based_runs_get_an_infinite_sampler():
    """As tools/train.py loads them: iteration-based configs train with an
    InfiniteSampler, epoch-based ones (also one derived from an
    iteration-based config) keep DefaultSampler."""
    from mmengine.config import DictAction  # noqa: F401
    import argparse

    from mpm.utils.config import load_config

    def loaded(path, options=None):
        args = argparse.Namespace(config=str(path), launcher='none',
                                  cfg_options=options, work_dir='/tmp/x',
                                  local_rank=0)
        return load_config(args)

    configs = [p for p in (ROOT / 'configs').rglob('*.py')
               if '_base_' not in p.parts]
    checked = 0
    for path in configs:
        cfg = loaded(path)
        train_cfg = cfg.get('train_cfg') or {}
        sampler = (cfg.get('train_dataloader') or {}).get('sampler') or {}
        if train_cfg.get('type') == 'IterBasedTrainLoop':
            checked += 1
            assert sampler.get('type') == 'InfiniteSampler', path
            assert sampler.get('shuffle') is True, path
        elif sampler:
            assert sampler.get('type') == 'DefaultSampler', path
    assert checked >= 8
    cfg = loaded(ROOT / 'configs/demo/smoke.py', {
        'train_cfg': dict(_delete_=True, type='EpochBasedTrainLoop',
                          max_epochs=2),
        'param_scheduler': []})
    assert cfg.train_dataloader.sampler.type == 'DefaultSampler'


def run(*args):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout[-3000:] + proc.stderr[-5000:])
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic_h36m_console')
    run('tools/dataset_converters/make_synthetic_h36m.py', '--out-dir',
        str(out), '--num-frames', '300')
    return str(out)


def test_smoke_run_prints_no_warning(synthetic_root, tmp_path):
    data = [f'{key}.dataset.data_root={synthetic_root}'
            for key in ('train_dataloader', 'val_dataloader',
                        'test_dataloader')]
    subset = 'train_dataloader.dataset.subset=0.002'
    # The premise: 30 iterations at batch 16 pass the end of the set.
    from mpm.registry import DATASETS
    cfg = Config.fromfile(str(ROOT / 'configs/demo/smoke.py'))
    cfg.train_dataloader.dataset.update(data_root=synthetic_root,
                                        subset=0.002)
    init_default_scope('mpm')
    windows = len(DATASETS.build(cfg.train_dataloader.dataset))
    assert 2 * windows <= cfg.train_cfg.max_iters * \
        cfg.train_dataloader.batch_size

    work = str(tmp_path / 'smoke')
    log = run('tools/train.py', 'configs/demo/smoke.py', '--work-dir', work,
              '--cfg-options', subset, *data)
    assert 'Iter(train) [30/30]' in log
    assert osp.isfile(osp.join(work, 'iter_30.pth'))
    assert warning_lines(log) == []
