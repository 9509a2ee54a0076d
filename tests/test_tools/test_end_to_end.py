"""End to end: synthetic data -> tools/train.py -> publish -> tools/test.py.

These run the real command lines in subprocesses on tiny synthetic data.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout[-3000:] + proc.stderr[-5000:])
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic_h36m')
    run('tools/dataset_converters/make_synthetic_h36m.py', '--out-dir',
        str(out), '--num-frames', '300')
    return str(out)


def test_smoke_train_then_test(synthetic_root, tmp_path):
    work = str(tmp_path / 'smoke')
    data = [f'{key}.dataset.data_root={synthetic_root}'
            for key in ('train_dataloader', 'val_dataloader',
                        'test_dataloader')]
    log = run('tools/train.py', 'configs/demo/smoke.py', '--work-dir', work,
              '--cfg-options', *data)
    assert 'world size: 1' in log
    assert 'Iter(train) [30/30]' in log  # MMEngine progress lines
    for it in (10, 20, 30):
        assert osp.exists(osp.join(work, f'iter_{it}.pth'))
    # The config was dumped, the last checkpoint is recorded.
    assert osp.exists(osp.join(work, 'smoke.py'))
    last = open(osp.join(work, 'last_checkpoint')).read().strip()

    published = str(tmp_path / 'published.pth')
    # The run wrote this file itself, outside ./work_dirs: say it is trusted.
    run('tools/model_converters/publish_model.py', last, published,
        '--no-hash', '--trust-checkpoint')
    ckpt = torch.load(published, weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}

    out = run('tools/test.py', 'configs/demo/smoke.py', published,
              '--work-dir', work, '--mean-pose-baseline', '--cfg-options',
              *data)
    assert '| Method |' in out or '| method |' in out.lower()
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    for key in ('mpjpe_mm', 'p_mpjpe_mm', 'n_mpjpe_mm',
                'mpjpe_mm_frame_weighted', 'baseline_mean_pose_mpjpe_mm'):
        assert key in metrics and metrics[key] > 0
    assert metrics['p_mpjpe_mm'] <= metrics['mpjpe_mm']
    assert any(k.startswith('mpjpe_mm/') for k in metrics)
    assert osp.exists(osp.join(work, 'metrics.csv'))


def test_tiny_lifter_learns(synthetic_root, tmp_path):
    """A short run must beat the mean-pose baseline clearly."""
    work = str(tmp_path / 'learn')
    data = [f'{key}.dataset.data_root={synthetic_root}'
            for key in ('train_dataloader', 'val_dataloader',
                        'test_dataloader')]
    schedule = [
        'train_cfg.max_iters=250', 'train_cfg.val_interval=1000',
        'param_scheduler.0.end=250', 'default_hooks.checkpoint.interval=250',
        'train_dataloader.batch_size=64',
        'train_dataloader.dataset.subset=1.0',
        'optim_wrapper.optimizer.lr=0.003'
    ]
    run('tools/train.py', 'configs/demo/smoke.py', '--work-dir', work,
        '--cfg-options', *data, *schedule)
    run('tools/test.py', 'configs/demo/smoke.py',
        osp.join(work, 'iter_250.pth'), '--work-dir', work,
        '--mean-pose-baseline', '--cfg-options', *data)
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    assert metrics['mpjpe_mm'] < 0.7 * metrics['baseline_mean_pose_mpjpe_mm']


def test_train_bf16_with_device_windows(synthetic_root, tmp_path):
    """tools/train.py --amp (bf16 autocast on CPU) with device-resident
    windows (device_windows=True) through MMEngine's runner."""
    work = str(tmp_path / 'fast')
    data = [f'{key}.dataset.data_root={synthetic_root}'
            for key in ('train_dataloader', 'val_dataloader',
                        'test_dataloader')]
    log = run('tools/train.py', 'configs/demo/smoke.py', '--work-dir', work,
              '--amp', '--cfg-options', *data, 'device_windows=True',
              'train_cfg.max_iters=20', 'train_cfg.val_interval=20',
              'param_scheduler.0.end=20')
    assert 'Iter(train) [20/20]' in log
    dumped = open(osp.join(work, 'smoke.py')).read()
    assert "type='DeviceWindowDataset'" in dumped
    assert "type='AutocastOptimWrapper'" in dumped
    assert 'fused=True' in dumped
    ckpt = torch.load(osp.join(work, 'iter_20.pth'), weights_only=False)
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.is_floating_point())
