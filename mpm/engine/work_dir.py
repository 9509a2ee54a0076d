"""Work-dir checks before training and finding the checkpoint to resume.

:func:`check_work_dir` makes sure, before any model or data is built, that
logs and checkpoints can be written (a run that trains for hours and then
fails on its first checkpoint is the failure this prevents).
:func:`find_last_checkpoint` finds the newest complete checkpoint of a work
dir for ``--resume`` even when the ``last_checkpoint`` pointer is missing or
stale, and with ``verify`` skips corrupt ones.
:func:`remove_stale_temp_files` deletes the temporary files a save killed
with SIGKILL (or a power cut) left behind, when the next run starts.
"""
import logging
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import List, Optional

from mmengine.logging import print_log

from mpm.utils.fileio import TEMP_NAME_PATTERN

#: Below this much free space (MiB) in the work dir a warning is logged.
LOW_SPACE_MB = 200

_CKPT_PATTERN = re.compile(r'^(epoch|iter)_(\d+)\.pth$')
#: ``atomic_write``'s temporary files of checkpoints and of the pointer.
_TEMP_TARGETS = re.compile(r'^(.+\.pth|last_checkpoint)$')
_TEMP_NAME = re.compile(f'^{TEMP_NAME_PATTERN}$')


class WorkDirError(OSError):
    """The work dir cannot be created or written to."""


def check_work_dir(work_dir: str, low_space_mb: float = LOW_SPACE_MB) -> str:
    """Create ``work_dir`` if needed and prove it is writable.

    Writes, reads back and deletes a small hidden file. Logs a warning when
    less than ``low_space_mb`` MiB are free there (checkpoints of the paper
    models are ~80 MB each).

    Args:
        work_dir: the run's work dir (``--work-dir`` / ``cfg.work_dir``).
        low_space_mb: free-space warning threshold in MiB.

    Returns:
        The absolute path of the work dir.

    Raises:
        WorkDirError: the directory cannot be created (a file is in the
            way, permission denied, read-only file system) or written to.
            The message names the directory, the reason and the fix.
    """
    path = osp.abspath(osp.expanduser(os.fspath(work_dir)))
    fix = ('Choose another directory with --work-dir, or fix its '
           'permissions / free space.')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise WorkDirError(
            f"Cannot create the work dir '{path}' "
            f'({type(err).__name__}: {err}). {fix}') from err
    if not osp.isdir(path):
        raise WorkDirError(f"The work dir '{path}' exists but is not a "
                           f'directory. {fix}')
    probe = None
    try:
        fd, probe = tempfile.mkstemp(prefix='.write_test_', dir=path)
        with os.fdopen(fd, 'wb') as f:
            f.write(b'mpm')
            f.flush()
            os.fsync(f.fileno())
        with open(probe, 'rb') as f:
            if f.read() != b'mpm':
                raise OSError('the test file read back differently')
    except OSError as err:
        raise WorkDirError(
            f"The work dir '{path}' is not writable "
            f'({type(err).__name__}: {err}). Logs and checkpoints could not '
            f'be saved. {fix}') from err
    finally:
        if probe is not None and osp.exists(probe):
            try:
                os.remove(probe)
            except OSError:
                pass
    free_mb = shutil.disk_usage(path).free / 2**20
    if free_mb < low_space_mb:
        print_log(
            f"Only {free_mb:.0f} MiB free in the work dir '{path}': "
            'checkpoints may fail to save (disk full). Free some space or '
            'choose another --work-dir.',
            logger='current',
            level=logging.WARNING)
    return path


def remove_stale_temp_files(work_dir: str) -> List[str]:
    """Delete the temporary files of interrupted checkpoint saves.

    A save killed by SIGKILL or a power cut leaves its hidden temporary
    file (``.iter_N.pth.<random>.tmp``, possibly 0 bytes) next to the
    checkpoints. ``tools/train.py`` calls this when a run starts in the work
    dir; the files removed are logged. Nothing else is touched.

    Returns:
        The removed paths.
    """
    work_dir = osp.abspath(os.fspath(work_dir))
    try:
        names = sorted(os.listdir(work_dir))
    except OSError:
        return []
    removed = []
    for name in names:
        path = osp.join(work_dir, name)
        match = _TEMP_NAME.match(name)
        if match and _TEMP_TARGETS.match(match.group('target')) and \
                osp.isfile(path):
            try:
                os.remove(path)
            except FileNotFoundError:  # another rank was faster
                continue
            removed.append(path)
    if removed:
        print_log(
            f'Removed {len(removed)} temporary file(s) left in '
            f"'{work_dir}' by an interrupted checkpoint save: " +
            ', '.join(osp.basename(p) for p in removed),
            logger='current', level=logging.WARNING)
    return removed


def _candidates(work_dir: str) -> List[str]:
    """Checkpoints of ``work_dir``, the pointer's target first, then by
    decreasing N (ties: newer first)."""
    ordered = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if target and not osp.isabs(target):
            target = osp.join(work_dir, target)
        if target and osp.isfile(target) and osp.getsize(target) > 0:
            ordered.append(target)
    if not osp.isdir(work_dir):
        return ordered
    found = []
    for name in os.listdir(work_dir):
        match = _CKPT_PATTERN.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path) and osp.getsize(path) > 0:
            found.append((int(match.group(2)), osp.getmtime(path), path))
    ordered += [p for _, _, p in sorted(found, reverse=True)
                if p not in ordered]
    return ordered


def find_last_checkpoint(work_dir: str,
                         verify: bool = False) -> Optional[str]:
    """The newest checkpoint of ``work_dir`` to resume from, or None.

    Uses the ``last_checkpoint`` pointer MMEngine writes when it names an
    existing, non-empty file; otherwise (pointer missing, empty or pointing
    at a deleted file) the ``iter_N.pth`` / ``epoch_N.pth`` with the largest
    N. Hidden temporary files of interrupted saves are never returned.

    Args:
        work_dir: the run's work dir.
        verify: load each candidate with the checks of
            :func:`mpm.engine.checkpoint.load_checkpoint_file` (container
            CRCs, recorded sha256) and skip corrupt ones, newest first, with
            a WARNING naming the skipped file and the one chosen
            (``tools/train.py --resume``).
    """
    candidates = _candidates(osp.abspath(os.fspath(work_dir)))
    if not verify:
        return candidates[0] if candidates else None
    from .checkpoint import (CorruptCheckpointError, UntrustedCheckpointError,
                             load_checkpoint_file)
    skipped = []
    for path in candidates:
        try:
            load_checkpoint_file(path)  # never unpickles fully
        except CorruptCheckpointError as err:
            skipped.append((path, err.reason))
            continue
        except UntrustedCheckpointError:
            pass  # intact; the runner applies --trust-checkpoint or refuses
        if skipped:
            _warn_skipped(skipped, path)
        return path
    if skipped:
        _warn_skipped(skipped, None)
    return None


def _warn_skipped(skipped, chosen: Optional[str]) -> None:
    lines = '\n'.join(f'  {path}: {reason}' for path, reason in skipped)
    then = (f"resuming from '{chosen}', the newest intact one" if chosen
            else 'no intact checkpoint is left, training starts afresh')
    print_log(f'Skipping corrupt checkpoint(s):\n{lines}\n{then}.',
              logger='current', level=logging.WARNING)
