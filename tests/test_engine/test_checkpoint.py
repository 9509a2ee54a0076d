"""Safe checkpoint loading: weights_only first, full unpickling only when
trusted, and MMEngine's own loaders routed through the same policy."""
import os
import shutil
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn
from torch.utils.data import Dataset

from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from mpm.engine import (InvalidCheckpointError, UntrustedCheckpointError,
                        apply_mmengine_fixes, configure_trust,
                        get_trust_policy, is_trusted_path,
                        load_checkpoint_file)
from mpm.engine.checkpoint import (load_from_http_safe, load_from_local_safe)


class TouchOnUnpickle:
    """Unpickling this object creates ``path`` (a stand-in for any code)."""

    def __init__(self, path, how):
        self.path, self.how = str(path), how

    def __reduce__(self):
        if self.how == 'open':
            return (open, (self.path, 'w'))
        return (os.system, (f'touch {self.path}', ))


class ToyModel(BaseModel):
    """Linear (B, 2) -> (B, 1) with a squared-error loss."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, inputs, targets=None, mode='tensor'):
        out = self.lin(inputs)
        if mode == 'loss':
            return dict(loss=((out - targets)**2).mean())
        return out


class ToyData(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return dict(inputs=torch.full((2, ), float(i)), targets=torch.ones(1))


class CountIters(Hook):
    """Counts the training iterations actually run."""

    def __init__(self):
        self.count = 0

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.count += 1


def make_runner(work_dir, name, max_iters, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=name,
        train_dataloader=dict(dataset=ToyData(),
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False),
                              batch_size=2,
                              num_workers=0,
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook',
                                           interval=1,
                                           by_epoch=False)),
        **kwargs)


@pytest.fixture(autouse=True)
def reset_policy():
    configure_trust()
    yield
    configure_trust()


@pytest.fixture(autouse=True, scope='module')
def restore_default_scope():
    """Runner leaves a global DefaultScope('mmengine'); undo it so that
    later tests building from mpm registries are unaffected."""
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture(scope='module')
def runner_ckpt(tmp_path_factory):
    """A checkpoint written by MMEngine's Runner (message hub inside)."""
    work_dir = tmp_path_factory.mktemp('run') / 'work_dir'
    make_runner(work_dir, 'ckpt_writer', max_iters=1).train()
    return work_dir, work_dir / 'iter_1.pth'


@pytest.fixture
def plain_state_dict(tmp_path):
    state = OrderedDict(weight=torch.arange(6.).reshape(2, 3),
                        bias=torch.tensor([1., -1.]))
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': state, 'meta': {'epoch': 3}}, path)
    return path, state


def test_plain_state_dict_loads_anywhere(plain_state_dict):
    path, state = plain_state_dict
    ckpt = load_checkpoint_file(path)
    assert ckpt['meta'] == {'epoch': 3}
    torch.testing.assert_close(ckpt['state_dict']['weight'],
                               torch.tensor([[0., 1., 2.], [3., 4., 5.]]))
    torch.testing.assert_close(ckpt['state_dict']['bias'], state['bias'])


@pytest.mark.parametrize('how', ['open', 'system'])
def test_malicious_payload_never_runs_when_untrusted(tmp_path, how):
    victim = tmp_path / f'pwned_{how}'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': TouchOnUnpickle(victim, how)}, path)

    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_file(path, trusted_dirs=[tmp_path / 'elsewhere'])
    assert not victim.exists()
    message = str(info.value)
    assert 'arbitrary code' in message and 'publish_model.py' in message
    assert '--trust-checkpoint' in message and str(path) in message
    name = 'open' if how == 'open' else 'system'
    assert any(name in g for g in info.value.rejected_globals)
    assert name in message
    if how == 'system':  # torch blocks the os module outright
        assert 'treat the file as malicious' in message

    # Through MMEngine's own loader as well.
    apply_mmengine_fixes(trusted_dirs=[tmp_path / 'elsewhere'])
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not victim.exists()

    # The payload is real: trusting the file does run it.
    load_checkpoint_file(path, trust=True)
    assert victim.exists()


def test_symlink_into_trusted_dir_is_not_trusted(tmp_path):
    victim = tmp_path / 'pwned'
    outside = tmp_path / 'downloads' / 'evil.pth'
    outside.parent.mkdir()
    torch.save({'x': TouchOnUnpickle(victim, 'system')}, outside)
    work_dir = tmp_path / 'work_dir'
    work_dir.mkdir()
    link = work_dir / 'epoch_1.pth'
    link.symlink_to(outside)

    assert not is_trusted_path(link, [work_dir])
    assert not is_trusted_path(work_dir / '..' / 'downloads' / 'evil.pth',
                               [work_dir])
    assert not is_trusted_path(tmp_path / 'work_dir_2' / 'a.pth', [work_dir])
    assert is_trusted_path(work_dir / 'sub' / 'a.pth', [work_dir])
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint_file(link, trusted_dirs=[work_dir])
    assert not victim.exists()


def test_work_dir_that_is_a_symlink_is_resolved_when_checked(
        runner_ckpt, tmp_path):
    _, path = runner_ckpt
    scratch = tmp_path / 'scratch' / 'exp'
    work_dir = tmp_path / 'work_dirs' / 'exp'
    # Policy set before the work_dir exists; it is then made a symlink.
    apply_mmengine_fixes(trusted_dirs=[work_dir])
    scratch.mkdir(parents=True)
    work_dir.parent.mkdir()
    work_dir.symlink_to(scratch, target_is_directory=True)
    shutil.copy(path, scratch / 'iter_1.pth')
    assert _load_checkpoint(str(work_dir / 'iter_1.pth'))['meta']['iter'] == 1


def test_runner_checkpoint_trusted_in_work_dir_only(runner_ckpt, tmp_path):
    work_dir, path = runner_ckpt
    ckpt = load_checkpoint_file(path, trusted_dirs=[work_dir])
    assert ckpt['meta']['iter'] == 1
    assert {'state_dict', 'optimizer', 'message_hub'} <= set(ckpt)

    copy = tmp_path / 'iter_1.pth'
    shutil.copy(path, copy)
    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_file(copy, trusted_dirs=[work_dir])
    assert 'HistoryBuffer' in str(info.value)
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in \
        info.value.rejected_globals
    # --trust-checkpoint
    assert load_checkpoint_file(copy, trust=True)['meta']['iter'] == 1


def test_mmengine_loader_follows_policy(runner_ckpt, tmp_path):
    work_dir, path = runner_ckpt
    copy = tmp_path / 'iter_1.pth'
    shutil.copy(path, copy)

    policy = apply_mmengine_fixes(trusted_dirs=[work_dir])
    assert policy is get_trust_policy()
    assert CheckpointLoader._get_checkpoint_loader(str(path)) is \
        load_from_local_safe
    assert _load_checkpoint(str(path), map_location='cpu')['meta']['iter'] \
        == 1
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(copy), map_location='cpu')
    # A later call updates the policy.
    apply_mmengine_fixes(trusted_dirs=[work_dir], trust_checkpoint=True)
    assert _load_checkpoint(str(copy))['meta']['iter'] == 1
    apply_mmengine_fixes(trusted_dirs=[tmp_path])
    assert _load_checkpoint(str(copy))['meta']['iter'] == 1
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(path))


def test_runner_resume_refuses_foreign_and_accepts_own(runner_ckpt, tmp_path):
    work_dir, path = runner_ckpt
    foreign = tmp_path / 'foreign.pth'
    shutil.copy(path, foreign)
    new_dir = tmp_path / 'new_run'

    apply_mmengine_fixes(trusted_dirs=[new_dir])
    runner = make_runner(new_dir,
                         'resume_foreign',
                         max_iters=2,
                         load_from=str(foreign),
                         resume=True)
    with pytest.raises(UntrustedCheckpointError):
        runner.train()

    # Own work_dir: auto-resume from its latest checkpoint (iter 1 -> 2).
    apply_mmengine_fixes(trusted_dirs=[work_dir])
    counter = CountIters()
    runner = make_runner(work_dir,
                         'resume_own',
                         max_iters=2,
                         resume=True,
                         custom_hooks=[counter])
    runner.train()
    assert runner.iter == 2 and counter.count == 1
    assert (work_dir / 'iter_2.pth').exists()


def test_http_loader_never_unpickles_downloads(tmp_path, plain_state_dict):
    victim = tmp_path / 'pwned'
    evil = tmp_path / 'served' / 'evil.pth'
    evil.parent.mkdir()
    torch.save({'x': TouchOnUnpickle(victim, 'system')}, evil)
    cache = tmp_path / 'hub'
    with pytest.raises(UntrustedCheckpointError):
        load_from_http_safe(evil.as_uri(), model_dir=str(cache))
    assert (cache / 'evil.pth').exists() and not victim.exists()

    plain, state = plain_state_dict
    ckpt = load_from_http_safe(plain.as_uri(), model_dir=str(cache))
    torch.testing.assert_close(ckpt['state_dict']['bias'], state['bias'])


def test_missing_file(tmp_path):
    missing = tmp_path / 'nope' / 'epoch_9.pth'
    with pytest.raises(FileNotFoundError, match='epoch_9.pth'):
        load_checkpoint_file(missing)
    apply_mmengine_fixes()
    with pytest.raises(FileNotFoundError, match='epoch_9.pth'):
        _load_checkpoint(str(missing))


@pytest.mark.parametrize(
    'content',
    [
        os.urandom(4096),
        b'',
        b'hello, this is a text file\n',
        b'\x80\x04K\x01.'  # a bare pickle of 1, not a torch.save file
    ])
def test_not_a_checkpoint(tmp_path, content):
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    with pytest.raises(InvalidCheckpointError, match='not a PyTorch'):
        load_checkpoint_file(path, trust=True)


def test_truncated_checkpoint(tmp_path, plain_state_dict):
    path, _ = plain_state_dict
    data = path.read_bytes()
    bad = tmp_path / 'truncated.pth'
    bad.write_bytes(data[:len(data) // 2])
    with pytest.raises(InvalidCheckpointError, match='truncated or corrupt'):
        load_checkpoint_file(bad)
    assert issubclass(InvalidCheckpointError, RuntimeError)
    assert issubclass(UntrustedCheckpointError, RuntimeError)


def test_legacy_format_state_dict(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(2)},
               path,
               _use_new_zipfile_serialization=False)
    torch.testing.assert_close(load_checkpoint_file(path)['w'], torch.ones(2))
