"""The bad-input table: every row is a bad input, the exception it gets and
message fragments that say what was wrong and how to fix it; and proof that
nothing is lost (no input file changed, no file created or deleted).

Failures during training (a full disk while saving, Ctrl-C, kill -9, corrupt
checkpoints) are rows of the fault-injection suite, test_faults.py.

The Human3.6M file helpers are the dataset tests' own
(tests/test_datasets/conftest.py), loaded by path.
"""
import errno
import hashlib
import importlib.util
import io
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Sequence, Type

import numpy as np
import pytest
import torch

from mpm.datasets.io import NpzKeyError
from mpm.engine import (InvalidCheckpointError, WorkDirError,
                        configure_trust, load_checkpoint_file)
from mpm.utils.config import ConfigKeyError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN_PY = osp.join(REPO, 'tools', 'train.py')
SMOKE = osp.join(REPO, 'configs', 'demo', 'smoke.py')


def _load_by_path(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


H36M = _load_by_path(
    'h36m_file_helpers',
    osp.join(REPO, 'tests', 'test_datasets', 'conftest.py'))


def train_module():
    return _load_by_path('mpm_tools_train', TRAIN_PY)


@pytest.fixture(autouse=True)
def reset_trust():
    yield
    configure_trust()


# ---------------------------------------------------------------------------
# Row setups: each gets (tmp_path, monkeypatch), writes the bad input and
# returns the call that must fail.
# ---------------------------------------------------------------------------
def write_h36m(root, edit=None):
    """The dataset tests' tiny Human3.6M files; ``edit(pos3d, pos2d)`` may
    spoil the arrays first."""
    pos3d, pos2d = H36M.make_h36m_arrays()
    if edit is not None:
        edit(pos3d, pos2d)
    H36M.write_h36m_files(str(root), pos3d, pos2d)


def build_dataset(root, **kwargs):
    from mpm.datasets import Human36mDataset
    args = dict(data_root=str(root), subjects=('S1', 'S5'), seq_len=3)
    args.update(kwargs)
    return lambda: Human36mDataset(**args)


def missing_npz(tmp, mp):
    write_h36m(tmp)
    os.remove(tmp / H36M.FILE_3D)
    return build_dataset(tmp)


def corrupt_npz(tmp, mp):
    write_h36m(tmp)
    path = tmp / H36M.FILE_3D
    path.write_bytes(path.read_bytes()[:200])  # a truncated download
    return build_dataset(tmp)


def wrong_keys(tmp, mp):
    write_h36m(tmp)
    pos3d, _ = H36M.make_h36m_arrays()
    np.savez_compressed(tmp / H36M.FILE_3D, positions=pos3d)
    return build_dataset(tmp)


def wrong_joint_count_3d(tmp, mp):

    def edit(pos3d, pos2d):
        for seqs in pos3d.values():
            for seq in seqs:
                seqs[seq] = seqs[seq][:, :20]

    write_h36m(tmp, edit)
    return build_dataset(tmp)


def wrong_joint_count_2d(tmp, mp):

    def edit(pos3d, pos2d):
        pos2d['S1']['Walking'] = [a[:, :16] for a in pos2d['S1']['Walking']]

    write_h36m(tmp, edit)
    return build_dataset(tmp)


def nan_keypoints(tmp, mp):

    def edit(pos3d, pos2d):
        pos2d['S1']['Walking'][0][2, 5] = np.nan

    write_h36m(tmp, edit)
    return build_dataset(tmp)


def short_2d(tmp, mp):

    def edit(pos3d, pos2d):
        # 3D 'S5'/'Walking' has 7 frames; give the 2D file only 5.
        pos2d['S5']['Walking'] = [a[:5] for a in pos2d['S5']['Walking']]

    write_h36m(tmp, edit)
    return build_dataset(tmp)


def empty_subjects(tmp, mp):
    write_h36m(tmp)
    return build_dataset(tmp, subjects=[])


def unknown_type(tmp, mp):
    from mpm.registry import MODELS
    return lambda: MODELS.build(dict(type='PoseLiftr'))


def config_typo(tmp, mp):
    config = tmp / 'typo.py'
    config.write_text(f'_base_ = [{SMOKE!r}]\n'
                      'train_dataloder = dict(batch_size=2)\n')
    train_py = train_module()
    return lambda: train_py.build_config(
        train_py.parse_args([str(config), '--work-dir', str(tmp / 'w')]))


def other_architecture(tmp, mp):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mpm.apis.inference import init_lifter
    from mpm.registry import MODELS
    init_default_scope('mpm')
    stage1 = MODELS.build(
        Config.fromfile(osp.join(REPO, 'configs', 'demo',
                                 'pretrain.py')).model)
    path = tmp / 'stage1.pth'
    torch.save(dict(meta={}, state_dict=stage1.state_dict()), path)
    return lambda: init_lifter(SMOKE, checkpoint=str(path))


def corrupt_checkpoint(tmp, mp):
    path = tmp / 'iter_10.pth'
    buffer = io.BytesIO()
    torch.save(dict(state_dict={'w': torch.ones(1000)}), buffer)
    path.write_bytes(buffer.getvalue()[:300])
    return lambda: load_checkpoint_file(path)


def work_dir_under_file(tmp, mp):
    (tmp / 'results').write_text('not a directory')
    train_py = train_module()
    return lambda: train_py.main(
        [SMOKE, '--work-dir', str(tmp / 'results' / 'run1')])


def unwritable_work_dir(tmp, mp):
    import mpm.engine.work_dir as work_dir_module

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, 'Permission denied',
                              str(tmp / 'readonly'))

    # As root chmod does not stop writes: refuse the probe file instead.
    mp.setattr(work_dir_module.tempfile, 'mkstemp', denied)
    (tmp / 'readonly').mkdir()
    train_py = train_module()
    return lambda: train_py.main([SMOKE, '--work-dir', str(tmp / 'readonly')])


@dataclass
class Row:
    """One bad input: its setup, the exception type and message fragments
    (what was wrong, where, and how to fix it)."""
    name: str
    setup: Callable
    error: Type[BaseException]
    fragments: Sequence[str] = field(default_factory=list)


ROWS = [
    Row('missing npz', missing_npz, FileNotFoundError,
        ['Human3.6M 3D poses file not found', H36M.FILE_3D,
         'make_synthetic_h36m.py']),
    Row('corrupt npz', corrupt_npz, ValueError,
        [H36M.FILE_3D, 'is not a readable .npz archive',
         'truncated or corrupt', 're-download or re-create it']),
    Row('wrong keys', wrong_keys, NpzKeyError,
        ["key 'positions_3d' not found", "available keys: ['positions']",
         'Check that this is the right file']),
    Row('wrong joint count (3D)', wrong_joint_count_3d, ValueError,
        ["subject 'S1'", 'found shape (', ', 20, 3)',
         'expected (N, 32, 3) world metres']),
    Row('wrong joint count (2D)', wrong_joint_count_2d, ValueError,
        ["subject 'S1', action 'Walking', camera 0", '(12, 16, 2)',
         'expected (N, 17, 2) pixels']),
    Row('NaN keypoints', nan_keypoints, ValueError,
        ['NaN/inf 2D keypoints', "subject 'S1', action 'Walking', camera 0",
         'at frame 2']),
    Row('2D file shorter than 3D', short_2d, ValueError,
        ["subject 'S5', action 'Walking', camera 0", 'have 5 frames',
         'fewer than the 7 frames of the 3D poses',
         'does not match the 3D file']),
    Row('empty subject list', empty_subjects, ValueError,
        ['subjects is empty', 'give at least one subject']),
    Row('unknown registry type', unknown_type, KeyError,
        ["'PoseLiftr' is not registered", 'closest registered names',
         'PoseLifter', 'Check the spelling of `type`']),
    Row('config key typo', config_typo, ConfigKeyError,
        ["'train_dataloder': did you mean 'train_dataloader'?", 'typo.py',
         'Fix the spelling']),
    Row('checkpoint of another architecture', other_architecture,
        ValueError,
        ['does not fit the model', 'missing keys', "'decoder.",
         'unexpected keys', "'decoder_2d.",
         'Check that the config matches the checkpoint']),
    Row('truncated checkpoint', corrupt_checkpoint, InvalidCheckpointError,
        ['iter_10.pth', 'is unreadable: it is corrupt',
         'not a complete zip archive', 'No intact checkpoint lies beside it',
         're-copy the file']),
    Row('work dir below a file', work_dir_under_file, WorkDirError,
        ['Cannot create the work dir', 'results', 'Choose another directory '
         'with --work-dir']),
    Row('unwritable work dir', unwritable_work_dir, WorkDirError,
        ['is not writable', 'Permission denied', 'could not be saved',
         '--work-dir']),
]


def snapshot(root):
    """{relative path: sha256} of every file below ``root``."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


@pytest.mark.parametrize('row', ROWS, ids=[r.name for r in ROWS])
def test_bad_input(row, tmp_path, monkeypatch):
    call = row.setup(tmp_path, monkeypatch)
    before = snapshot(tmp_path)
    with pytest.raises(row.error) as info:
        call()
    message = str(info.value)
    for fragment in row.fragments:
        assert fragment in message, f'{fragment!r} not in:\n{message}'
    # Nothing is lost: no input changed or removed, nothing half-written.
    assert snapshot(tmp_path) == before


def test_atomic_save_replaces_an_existing_file(tmp_path):
    """A good save over an existing checkpoint replaces it completely."""
    from mpm.engine import atomic_save_checkpoint
    path = tmp_path / 'iter_2.pth'
    path.write_bytes(b'old')
    atomic_save_checkpoint({'state_dict': {'w': torch.arange(3.)}},
                           str(path))
    assert torch.equal(
        torch.load(path, weights_only=True)['state_dict']['w'],
        torch.arange(3.))
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_config_check_allows_own_variables(tmp_path):
    """Only misspelt runner keys are refused: the repo's configs, user
    variables (also ones containing a runner key, like
    ``amass_dataset_type``) and ``_``-prefixed names pass."""
    import glob

    from mmengine.config import Config

    from mpm.utils.config import check_config_keys, find_config_typos
    paths = glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                      recursive=True)
    paths += glob.glob(osp.join(REPO, 'projects', '**', 'configs', '**',
                                '*.py'), recursive=True)
    assert len(paths) > 10
    for path in paths:
        check_config_keys(Config.fromfile(path), path)
    assert find_config_typos([
        'seq_len', 'num_frames', 'max_iters', 'amass_dataset_type',
        'val_dataset_type', 'model_cfg', '_train_dataloder', 'optimizer'
    ]) == []
    assert find_config_typos(['val_evaluater', 'randomnes', 'load_form',
                              'param_schedulers', 'default_hook']) == [
        ('val_evaluater', 'val_evaluator'), ('randomnes', 'randomness'),
        ('load_form', 'load_from'), ('param_schedulers', 'param_scheduler'),
        ('default_hook', 'default_hooks')]


def test_ctrl_c_wrapped_by_mmengine_is_still_an_interrupt():
    """Config.pretty_text (run while a checkpoint is saved) re-raises a
    KeyboardInterrupt as SyntaxError; train.py must still see Ctrl-C."""
    caused_by_interrupt = train_module().caused_by_interrupt

    def wrapped():
        try:
            raise KeyboardInterrupt
        except BaseException:
            raise SyntaxError('Failed to format the config file')

    with pytest.raises(SyntaxError) as info:
        wrapped()
    assert caused_by_interrupt(info.value)
    assert caused_by_interrupt(KeyboardInterrupt())
    assert not caused_by_interrupt(ValueError('a real error'))


def test_test_py_refuses_a_checkpoint_of_another_architecture(tmp_path):
    """tools/test.py loads strictly: a stage I checkpoint given to a lifter
    config stops before any evaluation, with the keys listed."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mpm.registry import MODELS
    init_default_scope('mpm')
    stage1 = MODELS.build(
        Config.fromfile(osp.join(REPO, 'configs', 'demo',
                                 'pretrain.py')).model)
    path = tmp_path / 'stage1.pth'
    torch.save(dict(meta={}, state_dict=stage1.state_dict()), path)
    test_py = _load_by_path('mpm_tools_test',
                            osp.join(REPO, 'tools', 'test.py'))
    with pytest.raises(ValueError) as info:
        test_py.main([SMOKE, str(path), '--work-dir', str(tmp_path / 'w')])
    message = str(info.value)
    assert 'does not fit the model' in message
    assert 'decoder_2d' in message and 'Check that the config' in message
    assert not (tmp_path / 'w' / 'metrics.json').exists()
