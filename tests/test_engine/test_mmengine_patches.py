"""mpm's changes to MMEngine: all installed by one module
(``mpm/engine/mmengine_patches.py``), and the FileClient that MMEngine's
hooks built for nothing (two deprecation warnings every run) is gone."""
import logging
import re
from pathlib import Path

import mmengine.hooks.checkpoint_hook as checkpoint_hook
from mmengine.hooks import CheckpointHook, LoggerHook
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader

from mpm.engine import apply_mmengine_fixes, apply_mmengine_patches
from mpm.engine.checkpoint import load_from_http_safe, load_from_local_safe
from mpm.engine.mmengine_patches import DeferredFileClient

ROOT = Path(__file__).resolve().parents[2]

#: Statements that write into MMEngine's modules, classes or registries.
WRITES_INTO_MMENGINE = re.compile(
    r'register_scheme\(|force=True|^\s*(mm_\w+|dist_utils|runner_module|'
    r'\w*_hook|MMDistributedDataParallel|CheckpointHook)\.\w+\s*=|'
    r'setattr\((CheckpointHook|mm_)', re.M)


def test_only_mmengine_patches_writes_into_mmengine():
    offenders = []
    for path in sorted((ROOT / 'mpm').rglob('*.py')):
        if path.name == 'mmengine_patches.py':
            continue
        for match in WRITES_INTO_MMENGINE.finditer(path.read_text()):
            offenders.append(f'{path.relative_to(ROOT)}: {match.group(0)}')
    assert offenders == []
    text = (ROOT / 'mpm/engine/mmengine_patches.py').read_text()
    assert WRITES_INTO_MMENGINE.search(text)  # the pattern does find them


def test_old_entry_point_is_the_same_function():
    assert apply_mmengine_fixes is apply_mmengine_patches


def test_loaders_under_the_trust_policy_and_no_pavi_or_ceph_loader():
    apply_mmengine_patches()
    schemes = CheckpointLoader._schemes
    assert schemes[''] is load_from_local_safe
    assert schemes['http://'] is schemes['https://'] is load_from_http_safe
    # pavi:// and s3:// keep MMEngine's own loaders (mpm ships none).
    for prefix in ('pavi://', r'(\S+\:)?s3://'):
        assert schemes[prefix].__module__ == 'mmengine.runner.checkpoint'


def captured_warnings(action):
    logger = MMLogger.get_current_instance()
    lines = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    try:
        action()
    finally:
        logger.removeHandler(handler)
    return lines


class FakeRunner:
    """What ``CheckpointHook.before_train`` reads of a runner."""

    def __init__(self, work_dir):
        self.work_dir = str(work_dir)
        self.logger = MMLogger.get_current_instance()


def test_checkpoint_hook_builds_no_file_client(tmp_path):
    apply_mmengine_patches()
    assert checkpoint_hook.FileClient is DeferredFileClient
    hook = CheckpointHook(interval=1, by_epoch=False)
    lines = captured_warnings(lambda: hook.before_train(FakeRunner(tmp_path)))
    assert [line for line in lines if 'FileClient' in line or
            'HardDiskBackend' in line] == []
    # The backend the hook really uses works; the deferred client still
    # works when something asks for it (then MMEngine's notice is due).
    hook.file_backend.put_text('x', str(tmp_path / 'a.txt'))
    assert (tmp_path / 'a.txt').read_text() == 'x'
    assert hook.file_client.get_text(str(tmp_path / 'a.txt')) == 'x'


def test_logger_hook_with_out_dir_builds_no_file_client(tmp_path):
    apply_mmengine_patches()
    lines = captured_warnings(lambda: LoggerHook(out_dir=str(tmp_path)))
    assert [line for line in lines if 'FileClient' in line] == []


def test_explicit_file_client_args_still_build_a_file_client(tmp_path):
    apply_mmengine_patches()
    client = DeferredFileClient.infer_client(dict(backend='disk'),
                                             str(tmp_path))
    assert type(client).__name__ == 'FileClient'
