"""CPU-only distribution fixes and the launch scripts.

The two-process test launches workers the way torchrun and srun do (the
RANK/LOCAL_RANK/WORLD_SIZE or SLURM_* environment variables) with CUDA
hidden, and compares DDP's averaged gradients with a float64 numpy gradient
of the same loss on the concatenated batch.
"""
import os
import os.path as osp
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import mmengine.dist.utils as dist_utils
from mmengine.model import MMDistributedDataParallel

from mpm.engine import apply_mmengine_fixes, configure_trust
from mpm.engine import distributed as mpm_dist

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IN_FEATURES, OUT_FEATURES, ROWS_PER_RANK = 4, 2, 3

WORKER = textwrap.dedent('''
    import os, sys
    from types import SimpleNamespace
    import numpy as np
    import torch
    import torch.distributed as td

    def forbidden(*args, **kwargs):
        raise AssertionError('torch.cuda.set_device called without CUDA')
    torch.cuda.set_device = forbidden

    from mmengine.dist import get_backend, get_dist_info, init_dist
    from mmengine.logging import MMLogger
    from mmengine.runner import Runner
    from mpm.engine import apply_mmengine_fixes

    out_dir, port2 = sys.argv[1], int(sys.argv[2])
    data = np.load(os.path.join(out_dir, 'data.npz'))
    apply_mmengine_fixes()
    result = {}

    # Phase 1: torchrun-style environment, config asks for nccl.
    init_dist('pytorch', backend='nccl')
    rank, world_size = get_dist_info()
    result['pt_rank'], result['pt_world_size'] = rank, world_size
    result['pt_backend'] = get_backend()
    model = torch.nn.Linear(data['w'].shape[1], data['w'].shape[0])
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(data['w']))
        model.bias.copy_(torch.from_numpy(data['b']))
    fake_runner = SimpleNamespace(
        distributed=True, cfg={}, logger=MMLogger.get_current_instance())
    ddp = Runner.wrap_model(fake_runner, None, model)
    result['wrapper'] = type(ddp).__name__
    result['device_ids_is_none'] = ddp.device_ids is None
    rows = slice(rank * 3, (rank + 1) * 3)
    x = torch.from_numpy(data['x'][rows])
    t = torch.from_numpy(data['t'][rows])
    loss = ((ddp(x) - t) ** 2).mean()
    loss.backward()
    result['grad_w'] = model.weight.grad.clone()
    result['grad_b'] = model.bias.grad.clone()
    td.destroy_process_group()

    # Phase 2: srun-style environment (only SLURM_* variables).
    local = os.environ['LOCAL_RANK']
    for key in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_PORT'):
        os.environ.pop(key)
    os.environ.update(SLURM_PROCID=str(rank), SLURM_NTASKS='2',
                      SLURM_LOCALID=local, SLURM_NODELIST='localhost')
    init_dist('slurm', backend='nccl', port=port2)
    result['slurm_rank'], result['slurm_world_size'] = get_dist_info()
    result['slurm_backend'] = get_backend()
    value = torch.tensor([float(rank + 1)])
    td.all_reduce(value)
    result['slurm_sum'] = value.item()
    td.destroy_process_group()
    torch.save(result, os.path.join(out_dir, f'rank{rank}.pth'))
''')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def reset_policy():
    yield
    configure_trust()


def test_two_cpu_processes_average_gradients_with_gloo(tmp_path):
    rng = np.random.default_rng(0)
    n = 2 * ROWS_PER_RANK
    x = rng.normal(size=(n, IN_FEATURES)).astype(np.float32)
    t = rng.normal(size=(n, OUT_FEATURES)).astype(np.float32)
    w = rng.normal(size=(OUT_FEATURES, IN_FEATURES)).astype(np.float32)
    b = rng.normal(size=(OUT_FEATURES, )).astype(np.float32)
    np.savez(tmp_path / 'data.npz', x=x, t=t, w=w, b=b)
    worker = tmp_path / 'worker.py'
    worker.write_text(WORKER)

    port, port2 = free_port(), free_port()
    procs = []
    for rank in range(2):
        env = dict(os.environ,
                   RANK=str(rank),
                   LOCAL_RANK=str(rank),
                   WORLD_SIZE='2',
                   MASTER_ADDR='127.0.0.1',
                   MASTER_PORT=str(port),
                   CUDA_VISIBLE_DEVICES='',
                   OMP_NUM_THREADS='1',
                   PYTHONPATH=REPO)
        procs.append(
            subprocess.Popen(
                [sys.executable,
                 str(worker),
                 str(tmp_path),
                 str(port2)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT))
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out.decode()[-3000:]

    # float64 reference: d/dW mean((xW^T + b - t)^2) over the whole batch.
    x64, t64, w64, b64 = (a.astype(np.float64) for a in (x, t, w, b))
    residual = x64 @ w64.T + b64 - t64
    grad_w = 2.0 / residual.size * residual.T @ x64
    grad_b = 2.0 / residual.size * residual.sum(axis=0)

    for rank in range(2):
        res = torch.load(tmp_path / f'rank{rank}.pth', weights_only=True)
        assert res['pt_rank'] == rank and res['pt_world_size'] == 2
        assert res['pt_backend'] == 'gloo'
        assert res['wrapper'] == 'MMDistributedDataParallel'
        assert res['device_ids_is_none']
        np.testing.assert_allclose(res['grad_w'].numpy(), grad_w, atol=1e-5)
        np.testing.assert_allclose(res['grad_b'].numpy(), grad_b, atol=1e-5)
        assert res['slurm_rank'] == rank and res['slurm_world_size'] == 2
        assert res['slurm_backend'] == 'gloo'
        assert res['slurm_sum'] == 3.0


def test_cpu_init_skips_set_device_and_uses_gloo(monkeypatch):
    apply_mmengine_fixes()
    calls = []

    def set_device(index):
        calls.append(('set_device', index))

    def init_process_group(backend=None, **kwargs):
        calls.append(('init', backend))

    monkeypatch.setattr(torch.cuda, 'set_device', set_device)
    monkeypatch.setattr(torch.distributed, 'init_process_group',
                        init_process_group)
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('LOCAL_RANK', '1')
    monkeypatch.setenv('WORLD_SIZE', '2')

    monkeypatch.setattr(mpm_dist, 'accelerator_available', lambda: False)
    dist_utils._init_dist_pytorch('nccl')
    assert calls == [('init', 'gloo')]

    # With an accelerator MMEngine's own code runs unchanged.
    calls.clear()
    monkeypatch.setattr(mpm_dist, 'accelerator_available', lambda: True)
    monkeypatch.setattr(dist_utils, 'is_mlu_available', lambda: False)
    monkeypatch.setattr(dist_utils, 'is_npu_available', lambda: False)
    monkeypatch.setattr(dist_utils, 'is_musa_available', lambda: False)
    dist_utils._init_dist_pytorch('nccl')
    assert calls == [('set_device', 1), ('init', 'nccl')]


def test_patches_are_idempotent():
    apply_mmengine_fixes()
    first = (dist_utils._init_dist_pytorch, dist_utils._init_dist_slurm,
             MMDistributedDataParallel.__init__)
    apply_mmengine_fixes()
    second = (dist_utils._init_dist_pytorch, dist_utils._init_dist_slurm,
              MMDistributedDataParallel.__init__)
    assert first == second
    for func in second:
        original = mpm_dist.original_of(func)
        assert original is not func
        assert mpm_dist.original_of(original) is original


# --------------------------------------------------------------------------
# Launch scripts: run them with a fake interpreter / srun that prints argv.
# --------------------------------------------------------------------------
FAKE = '#!/usr/bin/env bash\necho "PYTHONPATH=$PYTHONPATH"\n' \
       'for a in "$@"; do echo "ARG=$a"; done\n'


def run_script(tmp_path, script, args, **env_vars):
    fake_dir = tmp_path / 'bin'
    fake_dir.mkdir(exist_ok=True)
    for name in ('fakepython', 'srun'):
        path = fake_dir / name
        path.write_text(FAKE)
        path.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('NNODES', 'NODE_RANK', 'PORT', 'MASTER_ADDR', 'GPUS',
                     'GPUS_PER_NODE', 'TASKS_PER_NODE', 'CPUS_PER_TASK',
                     'SRUN_ARGS', 'PYTHONPATH')
    }
    env['PATH'] = f'{fake_dir}:{env["PATH"]}'
    env['PYTHON'] = str(fake_dir / 'fakepython')
    env.update(env_vars)
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30)
    lines = proc.stdout.splitlines()
    argv = [line[4:] for line in lines if line.startswith('ARG=')]
    pythonpath = [
        line[11:] for line in lines if line.startswith('PYTHONPATH=')
    ]
    return proc, argv, pythonpath


def test_dist_train_sh_calls_torchrun(tmp_path):
    proc, argv, pythonpath = run_script(
        tmp_path, 'dist_train.sh',
        ['cfg.py', '2', '--cfg-options', 'a=1 b=2', '--amp'])
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        '-m', 'torch.distributed.run', '--nnodes=1', '--node_rank=0',
        '--master_addr=127.0.0.1', '--nproc_per_node=2', '--master_port=29500',
        osp.join(REPO, 'tools', 'train.py'), 'cfg.py', '--launcher', 'pytorch',
        '--cfg-options', 'a=1 b=2', '--amp'
    ]
    assert pythonpath == [REPO]


def test_dist_test_sh_multi_node_env(tmp_path):
    proc, argv, _ = run_script(tmp_path,
                               'dist_test.sh',
                               ['cfg.py', 'ck.pth', '4', '--work-dir', 'w'],
                               NNODES='2',
                               NODE_RANK='1',
                               MASTER_ADDR='10.0.0.1',
                               PORT='1234')
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        '-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
        '--master_addr=10.0.0.1', '--nproc_per_node=4', '--master_port=1234',
        osp.join(REPO, 'tools', 'test.py'), 'cfg.py', 'ck.pth', '--launcher',
        'pytorch', '--work-dir', 'w'
    ]


def test_dist_scripts_reject_missing_arguments(tmp_path):
    proc, argv, _ = run_script(tmp_path, 'dist_train.sh', ['cfg.py'])
    assert proc.returncode != 0 and argv == []
    assert 'usage' in proc.stderr


def test_slurm_train_sh_calls_srun(tmp_path):
    proc, argv, _ = run_script(tmp_path,
                               'slurm_train.sh',
                               ['part', 'job', 'cfg.py', 'wd', '--amp'],
                               GPUS='16',
                               SRUN_ARGS='--quotatype=auto -x node1')
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        '-p', 'part', '--job-name=job', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        '--quotatype=auto', '-x', 'node1',
        str(tmp_path / 'bin' / 'fakepython'), '-u',
        osp.join(REPO, 'tools', 'train.py'), 'cfg.py', '--work-dir=wd',
        '--launcher', 'slurm', '--amp'
    ]


def test_slurm_test_sh_cpu_nodes(tmp_path):
    proc, argv, _ = run_script(tmp_path,
                               'slurm_test.sh',
                               ['part', 'job', 'cfg.py', 'ck.pth'],
                               GPUS='4',
                               GPUS_PER_NODE='0',
                               TASKS_PER_NODE='2',
                               CPUS_PER_TASK='1')
    assert proc.returncode == 0, proc.stderr
    assert argv == [
        '-p', 'part', '--job-name=job', '--ntasks=4', '--ntasks-per-node=2',
        '--cpus-per-task=1', '--kill-on-bad-exit=1',
        str(tmp_path / 'bin' / 'fakepython'), '-u',
        osp.join(REPO, 'tools',
                 'test.py'), 'cfg.py', 'ck.pth', '--launcher', 'slurm'
    ]


def test_scripts_are_executable():
    for name in ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh',
                 'slurm_test.sh'):
        assert os.access(osp.join(REPO, 'tools', name), os.X_OK), name
