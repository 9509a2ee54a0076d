"""Safe checkpoint loading: weights_only with the allow-list wherever the file
lies, full unpickling only with --trust-checkpoint, integrity checks, and
MMEngine's own loaders routed through the same loader."""
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

from mpm.engine import (CorruptCheckpointError, InvalidCheckpointError,
                        UntrustedCheckpointError, apply_mmengine_fixes,
                        configure_trust, get_trust_policy,
                        load_checkpoint_file)
from mpm.engine.checkpoint import (load_from_http_safe, load_from_local_safe)
from mpm.engine.checkpoint_allowlist import (allow_checkpoint_globals,
                                             allowed_global_names,
                                             history_buffer_getattr)
from mpm.engine.checkpoint_integrity import (PAYLOAD_SHA256_KEY,
                                             payload_sha256,
                                             stamp_payload_sha256)


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
    apply_mmengine_fixes()  # as tools/train.py: atomic, stamped saves
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
def test_malicious_payload_never_runs_in_any_folder(tmp_path, how):
    """Refused even inside a work dir (no trust by location),
    and through MMEngine's loader; only --trust-checkpoint runs it."""
    victim = tmp_path / f'pwned_{how}'
    path = tmp_path / 'work_dirs' / 'exp' / f'evil_{how}.pth'
    path.parent.mkdir(parents=True)
    torch.save({'state_dict': {}, 'x': TouchOnUnpickle(victim, how)}, path)

    with pytest.raises(UntrustedCheckpointError) as info:
        load_checkpoint_file(path)
    assert not victim.exists()
    message = str(info.value)
    assert 'arbitrary code' in message and '--trust-checkpoint' in message
    assert str(path) in message and 'Where the file lies does not matter' \
        in message
    name = 'open' if how == 'open' else 'system'
    assert any(name in g for g in info.value.rejected_globals)
    assert name in message
    if how == 'system':  # torch blocks the os module outright
        assert 'treat the file as malicious' in message

    # Through MMEngine's own loader as well, with the run's policy.
    apply_mmengine_fixes()
    with pytest.raises(UntrustedCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not victim.exists()

    # The payload is real: trusting the file does run it.
    apply_mmengine_fixes(trust_checkpoint=True)
    _load_checkpoint(str(path), map_location='cpu')
    assert victim.exists()


def test_runner_checkpoint_loads_in_any_folder(runner_ckpt, tmp_path):
    """An MMEngine training checkpoint (message hub, numpy objects) loads
    with the allow-list, copied anywhere, without --trust-checkpoint."""
    _, path = runner_ckpt
    copy = tmp_path / 'downloads' / 'iter_1.pth'
    copy.parent.mkdir()
    shutil.copy(path, copy)
    with pytest.raises(Exception):  # plain weights_only refuses it
        torch.load(copy, weights_only=True)
    ckpt = load_checkpoint_file(copy)
    assert ckpt['meta']['iter'] == 1
    assert {'state_dict', 'optimizer', 'message_hub'} <= set(ckpt)
    full = torch.load(copy, weights_only=False)
    hub, full_hub = (c['message_hub']['log_scalars']['train/loss']
                     for c in (ckpt, full))
    assert hub.mean() == full_hub.mean() and len(hub.data[0]) == 1
    assert ckpt['meta'][PAYLOAD_SHA256_KEY] == payload_sha256(full)


def test_allow_list_covers_exactly_a_runner_checkpoint(runner_ckpt):
    """Every global of a real Runner checkpoint that torch's own list lacks
    is in the allow-list, and the list holds nothing such a checkpoint
    does not need (numpy's dtype classes and the numpy < 2 aliases of the
    same two functions aside)."""
    _, path = runner_ckpt
    needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    with allow_checkpoint_globals():
        assert torch.serialization.get_unsafe_globals_in_checkpoint(
            path) == []
    extra = {n for n in allowed_global_names()
             if not n.startswith(('numpy.dtypes.', 'numpy.core.'))}
    assert needed == extra, (needed, extra)


def test_allowed_getattr_only_reaches_history_buffer_methods():
    from mmengine.logging import HistoryBuffer
    assert history_buffer_getattr(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    for obj, name in [(os, 'system'), (HistoryBuffer, '__init__'),
                      (HistoryBuffer, '__class__'), (HistoryBuffer,
                                                     '_statistics_methods')]:
        with pytest.raises(Exception, match='only allowed on HistoryBuffer'):
            history_buffer_getattr(obj, name)


def test_getattr_outside_history_buffer_is_refused(tmp_path):
    """A pickle that uses the allowed name builtins.getattr for anything
    but a HistoryBuffer method is refused, and nothing runs."""

    from mmengine.logging import HistoryBuffer

    class GetattrClass:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__class__'))

    path = tmp_path / 'getattr.pth'
    torch.save({'x': GetattrClass()}, path)
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint_file(path)


def test_runner_resumes_from_a_checkpoint_in_another_folder(
        runner_ckpt, tmp_path):
    _, path = runner_ckpt
    foreign = tmp_path / 'foreign.pth'
    shutil.copy(path, foreign)
    apply_mmengine_fixes()
    assert CheckpointLoader._get_checkpoint_loader(str(path)) is \
        load_from_local_safe
    counter = CountIters()
    runner = make_runner(tmp_path / 'new_run', 'resume_foreign',
                         max_iters=2, load_from=str(foreign), resume=True,
                         custom_hooks=[counter])
    runner.train()
    assert runner.iter == 2 and counter.count == 1
    ckpt = load_checkpoint_file(tmp_path / 'new_run' / 'iter_2.pth')
    assert ckpt['meta']['iter'] == 2
    assert get_trust_policy().trust_all is False


def test_payload_sha256_detects_content_with_valid_crcs(runner_ckpt,
                                                        tmp_path):
    """A checkpoint re-saved with other weights but the old meta has intact
    zip CRCs; its recorded sha256 catches it and names the intact file
    beside it."""
    work_dir, path = runner_ckpt
    folder = tmp_path / 'work'
    folder.mkdir()
    shutil.copy(path, folder / 'iter_1.pth')
    ckpt = load_checkpoint_file(path)
    ckpt['state_dict']['lin.weight'] = ckpt['state_dict']['lin.weight'] + 1
    with allow_checkpoint_globals():
        torch.save(ckpt, folder / 'iter_2.pth')
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_file(folder / 'iter_2.pth')
    assert 'does not match the sha256 recorded' in str(info.value)
    assert info.value.intact == str(folder / 'iter_1.pth')
    # Re-stamped (what mpm does when it writes), the same content is fine.
    torch.save(stamp_payload_sha256(ckpt), folder / 'iter_2.pth')
    assert load_checkpoint_file(folder / 'iter_2.pth')['meta']['iter'] == 1


def test_payload_sha256_is_independent_of_layout_and_device():
    base = torch.arange(12.).reshape(3, 4)
    a = {'meta': {}, 'state_dict': {'w': base.t().contiguous()}}
    b = {'meta': {}, 'state_dict': {'w': base.t()}}  # non-contiguous view
    assert payload_sha256(a) == payload_sha256(b)
    c = {'meta': {}, 'state_dict': {'w': base.t().double()}}
    assert payload_sha256(a) != payload_sha256(c)  # dtype counts
    d = {'meta': {'iter': 2}, 'state_dict': a['state_dict']}
    assert payload_sha256(a) != payload_sha256(d)  # meta counts


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
        b'hello, this is a text file\n',
        b'\x80\x04K\x01.'  # a bare pickle of 1, not a torch.save file
    ])
def test_not_a_checkpoint(tmp_path, content):
    path = tmp_path / 'bad.pth'
    path.write_bytes(content)
    with pytest.raises(InvalidCheckpointError, match='not a PyTorch'):
        load_checkpoint_file(path, trust=True)


@pytest.mark.parametrize('cut', ['half', 'empty', 'flipped'])
def test_corrupt_checkpoint(tmp_path, plain_state_dict, cut):
    path, _ = plain_state_dict
    data = path.read_bytes()
    bad = tmp_path / 'corrupt.pth'
    if cut == 'half':
        bad.write_bytes(data[:len(data) // 2])
    elif cut == 'empty':
        bad.write_bytes(b'')
    else:  # a byte inside the stored weight tensor
        start = data.index(torch.arange(6.).numpy().tobytes()) + 5
        bad.write_bytes(data[:start] + bytes([data[start] ^ 0xFF]) +
                        data[start + 1:])
    with pytest.raises(CorruptCheckpointError,
                       match='is unreadable: it is corrupt') as info:
        load_checkpoint_file(bad, trust=True)
    assert info.value.intact == str(path)  # plain.pth beside it is intact
    assert issubclass(CorruptCheckpointError, InvalidCheckpointError)
    assert issubclass(InvalidCheckpointError, RuntimeError)
    assert issubclass(UntrustedCheckpointError, RuntimeError)


def test_legacy_format_state_dict(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'w': torch.ones(2)},
               path,
               _use_new_zipfile_serialization=False)
    torch.testing.assert_close(load_checkpoint_file(path)['w'], torch.ones(2))
