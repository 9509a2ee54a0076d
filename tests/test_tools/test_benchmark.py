"""tools/analysis_tools/benchmark.py on a tiny CPU config (and against the
official P-STMO code when a checkout is given in PSTMO_ROOT)."""
import importlib.util
import os
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'benchmark_tool', osp.join(ROOT, 'tools/analysis_tools/benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    from mpm.datasets.synthetic import generate_synthetic_h36m
    root = str(tmp_path_factory.mktemp('bench_data'))
    generate_synthetic_h36m(root, num_frames=120, subjects=('S1', 'S9'),
                            actions=('Walking', ), trials=1)
    return root


def smoke_args(root, *extra):
    return [osp.join(ROOT, 'configs/demo/smoke.py'), '--device', 'cpu',
            '--data', 'synthetic', '--data-root', root, '--steps', '2',
            '--workers', '0', '--threads', '1', '--cfg-options',
            "train_dataloader.dataset.subjects=['S1']",
            'train_dataloader.dataset.subset=1.0',
            "val_dataloader.dataset.subjects=['S9']", *extra]


@pytest.mark.parametrize('device_windows', [False, True])
def test_benchmark_tiny_cpu(synthetic_root, tmp_path, device_windows):
    tool = load_tool()
    out = str(tmp_path / 'bench.json')
    extra = ['--device-windows'] if device_windows else []
    result = tool.main(smoke_args(synthetic_root, '--json', out,
                                  '--profile', *extra))
    assert result['batch_size'] == 16
    assert result['train_step_s'] > 0 and result['samples_per_s'] > 0
    # train_step_s is rounded to 0.1 ms
    assert result['samples_per_s'] * result['train_step_s'] == pytest.approx(
        16, rel=0.05)
    assert 0 <= result['data_share'] < 1
    assert result['peak_gpu_mb'] is None and result['peak_host_mb'] > 0
    assert result['infer_frames_per_s'] > 0
    assert result['data_path'].startswith(
        'device' if device_windows else 'DataLoader')
    # one epoch = ceil(windows / batch) steps of the measured step time
    assert result['training_windows'] == 480  # 120 frames x 4 cameras
    # 30 steps of (data + train) >= 30 train steps (epoch_s has 0.1 s steps)
    assert result['epoch_s'] >= 30 * result['train_step_s'] - 0.05
    assert 'speedup' not in result
    assert_profile(result)
    assert osp.exists(out)


def test_benchmark_bad_official_root(synthetic_root, tmp_path):
    tool = load_tool()
    with pytest.raises(FileNotFoundError, match='model/stmo.py'):
        tool.main(smoke_args(synthetic_root, '--official-root',
                             str(tmp_path)))


@pytest.mark.skipif(not os.environ.get('PSTMO_ROOT'),
                    reason='set PSTMO_ROOT to a checkout of '
                    'paTRICK-swk/P-STMO to time the official model')
def test_benchmark_against_official(synthetic_root):
    tool = load_tool()
    result = tool.main(smoke_args(synthetic_root, '--official-root',
                                  os.environ['PSTMO_ROOT']))
    assert result['official_step_s'] > 0
    assert result['speedup'] == pytest.approx(
        result['official_step_s'] / result['train_step_s'], rel=0.05)


def assert_profile(result):
    parts = [v for k, v in result.items()
             if k.startswith('profile_') and k != 'profile_total_s']
    assert len(parts) == 6 and all(v >= 0 for v in parts)
    assert sum(parts) == pytest.approx(result['profile_total_s'], abs=0.01)
    # the tiny model's optimizer step may round to 0.000 s
    assert result['profile_gemm_s'] > 0 and result['profile_optimizer_s'] >= 0
    assert 0 < result['gemm_share'] < 1
    assert 0 < result['gemm_gflops'] and result['gemm_peak_gflops'] > 0
