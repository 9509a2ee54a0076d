"""Exact resumption and resuming a killed run.

N iterations straight and N/2 + ``--resume`` + N/2 must give bitwise
identical weights, optimizer and scheduler states on CPU, for a tiny
MaskedPoseModeling (dropout, random pose masks, random flips, the 2D/3D
alternation counter) and a tiny PoseLifter (dropout, flips, BatchNorm,
validation inside training; by iterations and by epochs). A control run without ``ResumeStateHook``
shows that the check can fail. A training subprocess killed with SIGKILL
after its first checkpoint resumes with ``--resume`` and finishes.
"""
import importlib.util
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmengine.config import Config
from mmengine.runner import Runner

from mpm.engine import (apply_mmengine_fixes, configure_trust,
                        load_checkpoint_file)
from mpm.engine.hooks.resume_state_hook import RESUME_STATE_KEY

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN_PY = osp.join(REPO, 'tools', 'train.py')

#: A tiny MPM stage I on 9-frame windows: widths 16/8, one layer each.
TINY_PRETRAIN = '''
_base_ = [{base!r}]
seq_len = 9
num_frames = 9
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data!r}, subjects=['S1', 'S5'], seq_len=9,
                 dilation=1, downsample=1))
_dec = dict(num_frames=9, in_channels=8, embed_dim=8, depth=1, ffn_dim=16,
            num_heads=2, dropout=0.1)
model = dict(
    encoder_2d=dict(embed_dim=16, dropout=0.2),
    encoder_3d=dict(embed_dim=16, dropout=0.2),
    trunk=dict(spatial=dict(in_dim=16, out_dim=8, dropout=0.2),
               temporal=dict(num_frames=9, embed_dim=8, depth=1, ffn_dim=16,
                             num_heads=2, dropout=0.1)),
    decoder_2d=_dec, decoder_3d=_dec,
    masker_2d=dict(type='SpatioTemporalMasker', num_joints=3,
                   frame_ratio=0.4),
    masker_3d=dict(type='SpatioTemporalMasker', num_joints=3,
                   frame_ratio=0.4))
train_cfg = dict(type='IterBasedTrainLoop', max_iters={iters})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5,
                        by_epoch=False, begin=0, end={iters})]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=False, interval={interval},
                                     max_keep_ckpts=-1))
'''

#: A tiny PoseLifter (configs/demo/smoke.py), validated whenever it saves
#: (validation draws random numbers between the save and the next batch).
TINY_LIFTER = '''
_base_ = [{base!r}]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root={data!r}, subjects=['S1', 'S5'], subset=1.0))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root={data!r}, subjects=['S9'], subset=0.2))
test_dataloader = val_dataloader
model = dict(encoder=dict(dropout=0.2), trunk=dict(spatial=dict(dropout=0.2),
             temporal=dict(dropout=0.1)))
train_cfg = dict(max_iters={iters}, val_interval={interval})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5,
                        by_epoch=False, begin=0, end={iters})]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval={interval}, max_keep_ckpts=-1))
'''

#: The same lifter trained by epochs (4 iterations each), validated after
#: every epoch.
TINY_LIFTER_EPOCHS = '''
_base_ = [{base!r}]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root={data!r}, subjects=['S1', 'S5'], subset=0.05))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root={data!r}, subjects=['S9'], subset=0.2))
test_dataloader = val_dataloader
model = dict(encoder=dict(dropout=0.2), trunk=dict(spatial=dict(dropout=0.2),
             temporal=dict(dropout=0.1)))
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop',
                 max_epochs={iters}, val_interval={interval})
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5,
                        by_epoch=True, begin=0, end={iters})]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(by_epoch=True, interval={interval},
                                     max_keep_ckpts=-1))
log_processor = dict(by_epoch=True)
'''

#: kind -> (template, base config, N, checkpoint name after N/2)
RUNS = {
    'pretrain': (TINY_PRETRAIN, 'pretrain.py', 6, 'iter_3.pth'),
    'lifter': (TINY_LIFTER, 'smoke.py', 6, 'iter_3.pth'),
    'lifter_epochs': (TINY_LIFTER_EPOCHS, 'smoke.py', 2, 'epoch_1.pth'),
}


def load_train_module():
    spec = importlib.util.spec_from_file_location('mpm_tools_train',
                                                  TRAIN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    """A tiny synthetic Human3.6M (40 frames, S1/S5 train, S9 val)."""
    from mpm.datasets.synthetic import generate_synthetic_h36m
    root = tmp_path_factory.mktemp('resume_data')
    generate_synthetic_h36m(str(root), num_frames=40,
                            subjects=('S1', 'S5', 'S9'),
                            actions=('Walking', ), trials=1)
    return str(root)


@pytest.fixture(autouse=True)
def reset_trust():
    yield
    configure_trust()


def write_config(tmp_path, template, base, data_root, iters, interval,
                 name='tiny.py'):
    path = tmp_path / name
    path.write_text(
        template.format(base=osp.join(REPO, 'configs', 'demo', base),
                        data=data_root, iters=iters, interval=interval))
    return str(path)


def train(config, work_dir, name, *extra):
    """tools/train.py in this process (unique experiment name, so no
    MMEngine global state is shared between the runs)."""
    train_py = load_train_module()
    return train_py.main([
        config, '--work-dir',
        str(work_dir), *extra, '--cfg-options', f'experiment_name={name}'
    ])


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def assert_same_tensors(a, b, where):
    if torch.is_tensor(a):
        assert torch.equal(a, b), f'{where} differs'
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same_tensors(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tensors(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


def assert_identical_runs(straight, resumed):
    assert straight['meta']['iter'] == resumed['meta']['iter']
    assert_same_tensors(straight['state_dict'], resumed['state_dict'],
                        'state_dict')
    assert_same_tensors(straight['optimizer'], resumed['optimizer'],
                        'optimizer')
    assert_same_tensors(straight['param_schedulers'],
                        resumed['param_schedulers'], 'param_schedulers')
    assert_same_tensors(straight[RESUME_STATE_KEY]['rng'],
                        resumed[RESUME_STATE_KEY]['rng'], 'rng')
    hub_a, hub_b = (c['message_hub']['log_scalars'] for c in (straight,
                                                               resumed))
    loss_keys = [k for k in hub_a if k.startswith('train/loss')]
    assert loss_keys
    for key in loss_keys:  # the whole loss history, old and new part
        assert hub_a[key].data[0].tolist() == hub_b[key].data[0].tolist()


@pytest.mark.parametrize('kind', [
    'pretrain',
    pytest.param('lifter', marks=pytest.mark.slow),
    pytest.param('lifter_epochs', marks=pytest.mark.slow)
])
def test_half_resume_half_equals_straight(kind, data_root, tmp_path):
    template, base, n, half_name = RUNS[kind]
    config = write_config(tmp_path, template, base, data_root, iters=n,
                          interval=n // 2)
    straight = tmp_path / 'straight'
    train(config, straight, f'{kind}_straight')
    # Resume the straight run's half-way checkpoint in a fresh work dir.
    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    half = str(resumed / half_name)
    os.link(straight / half_name, half)
    train(config, resumed, f'{kind}_resumed', '--resume', half)
    last = half_name.split('_')[0] + f'_{n}.pth'
    a, b = load(straight / last), load(resumed / last)
    assert_identical_runs(a, b)
    if kind == 'pretrain':
        # The alternation counter (a buffer, in the state dict): 6 paired
        # steps, 3 of them after resume; the hook keeps only RNG state.
        assert int(a['state_dict']['num_paired_steps']) == 6
        assert int(b['state_dict']['num_paired_steps']) == 6
        assert int(load(half)['state_dict']['num_paired_steps']) == 3
        assert b[RESUME_STATE_KEY]['counters'] == {}


def test_checkpoint_with_the_counter_outside_the_state_dict_resumes_exactly(
        data_root, tmp_path):
    """Checkpoints written while the alternation counter was a plain model
    attribute (no ``num_paired_steps`` in the state dict, the value in
    ``mpm_resume_state['counters']``) still load strictly and resume
    exactly."""
    from mpm.engine.checkpoint_integrity import stamp_payload_sha256
    template, base, n, half_name = RUNS['pretrain']
    config = write_config(tmp_path, template, base, data_root, iters=n,
                          interval=n // 2)
    straight = tmp_path / 'straight'
    train(config, straight, 'old_format_straight')
    old = load(straight / half_name)
    assert int(old['state_dict'].pop('num_paired_steps')) == 3
    old[RESUME_STATE_KEY]['counters'] = {':num_paired_steps': 3}
    stamp_payload_sha256(old)
    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    torch.save(old, resumed / half_name)
    train(config, resumed, 'old_format_resumed', '--resume',
          str(resumed / half_name))
    last = f'iter_{n}.pth'
    assert_identical_runs(load(straight / last), load(resumed / last))


def test_resume_without_hook_is_not_exact(data_root, tmp_path):
    """Control: MMEngine alone (no ResumeStateHook) does not resume exactly:
    new dropout/mask draws and the 2D/3D alternation restarting at 2D."""
    config = write_config(tmp_path, TINY_PRETRAIN, 'pretrain.py', data_root,
                          iters=4, interval=1)
    apply_mmengine_fixes()

    def run(work_dir, name, resume_from=None):
        cfg = Config.fromfile(config)
        cfg.work_dir = str(work_dir)
        cfg.experiment_name = name
        if resume_from:
            cfg.resume, cfg.load_from = True, resume_from
        Runner.from_cfg(cfg).train()

    run(tmp_path / 'a', 'control_straight')
    run(tmp_path / 'b', 'control_resumed', str(tmp_path / 'a' / 'iter_1.pth'))
    a = load(tmp_path / 'a' / 'iter_4.pth')['state_dict']
    b = load(tmp_path / 'b' / 'iter_4.pth')['state_dict']
    assert any(not torch.equal(a[k], b[k]) for k in a)


def wait_for(path, proc, timeout):
    start = time.time()
    while not osp.exists(path):
        if proc.poll() is not None:
            out = proc.stdout.read()
            pytest.fail(f'training ended before {path} appeared:\n'
                        f'{out[-3000:]}')
        if time.time() - start > timeout:
            proc.kill()
            pytest.fail(f'{path} did not appear within {timeout} s')
        time.sleep(0.05)


def train_subprocess(config, work_dir, *extra):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1',
               PYTHONPATH=REPO)
    return subprocess.Popen(
        [sys.executable, TRAIN_PY, config, '--work-dir',
         str(work_dir), *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


@pytest.mark.slow
def test_killed_run_resumes_and_finishes(data_root, tmp_path):
    config = write_config(tmp_path, TINY_PRETRAIN, 'pretrain.py', data_root,
                          iters=12, interval=2)
    work = tmp_path / 'work'
    proc = train_subprocess(config, work)
    wait_for(work / 'iter_2.pth', proc, timeout=120)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Every visible checkpoint is complete (a save cut by SIGKILL can only
    # leave a hidden .tmp file, which resuming ignores).
    saved = sorted(p for p in os.listdir(work) if p.endswith('.pth'))
    assert saved, 'no checkpoint survived the kill'
    for name in saved:
        assert load_checkpoint_file(work / name)

    proc = train_subprocess(config, work, '--resume')
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    assert 'resumed epoch: 0, iter:' in out
    assert 'ResumeStateHook: restored' in out
    final = load(work / 'iter_12.pth')
    assert final['meta']['iter'] == 12
    assert int(final['state_dict']['num_paired_steps']) == 12


def test_find_last_checkpoint_skips_stale_pointer_and_partial_files(
        tmp_path):
    from mpm.engine import find_last_checkpoint
    assert find_last_checkpoint(tmp_path / 'missing') is None
    assert find_last_checkpoint(tmp_path) is None
    for name in ('iter_2.pth', 'iter_10.pth'):
        (tmp_path / name).write_bytes(b'x')
    (tmp_path / 'iter_12.pth').write_bytes(b'')  # empty: not complete
    (tmp_path / '.iter_14.pth.abc.tmp').write_bytes(b'x')
    # Pointer to a deleted file: the highest complete iteration wins.
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_14.pth'))
    assert find_last_checkpoint(tmp_path) == str(tmp_path / 'iter_10.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    assert find_last_checkpoint(tmp_path) == str(tmp_path / 'iter_2.pth')


def test_remove_stale_temp_files_only_removes_save_leftovers(tmp_path):
    from mpm.engine import remove_stale_temp_files
    leftovers = ['.iter_4.pth.tx4nx7fz.tmp', '.best_mpjpe_iter_6.pth.'
                 'a_b1c2d3.tmp', '.last_checkpoint.k9z_0qwe.tmp']
    kept = ['iter_2.pth', '.notes.tmp', 'iter_4.pth.tmp', '.iter_4.pth.tmp',
            '.write_test_abc123', '.iter_4.pth.TOOLONG12.tmp']
    for name in leftovers + kept:
        (tmp_path / name).write_bytes(b'')
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted(str(tmp_path / n) for n in leftovers)
    assert sorted(os.listdir(tmp_path)) == sorted(kept)
    assert remove_stale_temp_files(tmp_path / 'missing') == []
