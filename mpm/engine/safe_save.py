"""Crash-safe checkpoint writing (MMEngine 0.10.7).

MMEngine writes a checkpoint with ``open(path, 'wb').write(...)``: a full
disk (``ENOSPC``), a kill or Ctrl-C in the middle leaves a truncated
``iter_N.pth`` behind, and ``CheckpointHook`` deletes the oldest kept
checkpoint *before* it writes the new one, so with ``max_keep_ckpts=1`` a
failed save can leave no loadable checkpoint at all.
:func:`mpm.engine.mmengine_patches.patch_checkpoint_saving` (installed
by :func:`mpm.engine.apply_mmengine_patches`) fixes both:

1. :func:`atomic_save_checkpoint` replaces ``mmengine.runner.checkpoint.
   save_checkpoint`` (what ``Runner.save_checkpoint`` calls) for local
   paths: the checkpoint is written to a hidden temporary file in the same
   directory, flushed and ``fsync``-ed, then moved into place with
   :func:`os.replace` (atomic on POSIX). A failure removes the temporary
   file and raises :class:`CheckpointSaveError`; no file under the
   checkpoint's name is ever partial. Remote paths keep MMEngine's writer.
2. ``CheckpointHook._save_checkpoint_with_step`` and
   ``_save_best_checkpoint`` are wrapped so that the files they delete
   (checkpoints beyond ``max_keep_ckpts``, the previous best) are deleted
   only *after* the new checkpoint was written, and the ``last_checkpoint``
   pointer is written atomically too. A failed save leaves every earlier
   checkpoint and the pointer to the newest of them untouched.

Every checkpoint written by :func:`atomic_save_checkpoint` records
``meta['payload_sha256']`` (:func:`mpm.engine.checkpoint_integrity.
stamp_payload_sha256`), verified whenever mpm loads it.
"""
import errno
import functools
import os
import os.path as osp
from typing import Any, Callable, List, Optional, Tuple

import torch

from mpm.utils.fileio import atomic_write
from mpm.utils.moved import moved_names
from .checkpoint_integrity import stamp_payload_sha256

_ORIGINAL_ATTR = '__mpm_original__'


class CheckpointSaveError(OSError):
    """Writing a checkpoint failed (disk full, permission, I/O error).

    ``errno`` is the error number of the underlying ``OSError`` (e.g.
    ``errno.ENOSPC``); ``filename`` the checkpoint that was not written.
    ``str()`` is the full explanation (what was kept, how to continue).
    """

    def __init__(self, message: str, errno_: Optional[int] = None,
                 filename: Optional[str] = None):
        super().__init__(message)
        self.errno = errno_
        self.filename = filename

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def _save_error(err: OSError, filename: str) -> CheckpointSaveError:
    reason = os.strerror(err.errno) if err.errno else str(err)
    hint = ('free disk space or choose another --work-dir'
            if err.errno in (errno.ENOSPC, errno.EDQUOT) else
            'check that the work dir is writable (permissions, quota, '
            'mount) or choose another --work-dir')
    directory = osp.dirname(osp.abspath(filename))
    return CheckpointSaveError(
        f"Could not write checkpoint '{filename}': {reason} "
        f'({type(err).__name__}: {err}). Nothing was written under that '
        f'name (the partial temporary file was removed) and the earlier '
        f"checkpoints in '{directory}' are untouched. To continue: {hint}, "
        'then resume with `python tools/train.py CONFIG --work-dir '
        f'{directory} --resume`.', err.errno, filename)


def atomic_save_checkpoint(checkpoint: dict,
                           filename: str,
                           file_client_args: Optional[dict] = None,
                           backend_args: Optional[dict] = None) -> None:
    """Drop-in for ``mmengine.runner.checkpoint.save_checkpoint``.

    The checkpoint's ``meta['payload_sha256']`` is recorded first (all
    backends). Local files are written with :func:`atomic_write`;
    ``pavi://``, ``s3://`` and other backends (or an explicit
    ``file_client_args``) go to MMEngine's original function.

    Raises:
        CheckpointSaveError: the local write failed (the message says what
            was kept and how to continue).
    """
    from mmengine.fileio import LocalBackend, get_file_backend
    original = _original_save_checkpoint()
    filename = os.fspath(filename)
    stamp_payload_sha256(checkpoint)
    if file_client_args is not None or '://' in filename:
        return original(checkpoint, filename,
                        file_client_args=file_client_args,
                        backend_args=backend_args)
    backend = get_file_backend(filename, backend_args=backend_args)
    if not isinstance(backend, LocalBackend):
        return original(checkpoint, filename, backend_args=backend_args)
    try:
        atomic_write(filename, lambda f: torch.save(checkpoint, f))
    except OSError as err:
        raise _save_error(err, filename) from err


def _original_save_checkpoint() -> Callable:
    import mmengine.runner.checkpoint as mm_ckpt
    return getattr(mm_ckpt.save_checkpoint, _ORIGINAL_ATTR,
                   mm_ckpt.save_checkpoint)


class _DeferredRemovalBackend:
    """File backend proxy used while ``CheckpointHook`` saves: removals are
    queued (run by :meth:`flush` after a successful save) and local text
    files (``last_checkpoint``) are written atomically."""

    def __init__(self, backend: Any):
        self._backend = backend
        self._queued: List[Tuple[str, str]] = []

    def remove(self, filepath) -> None:
        self._queued.append(('remove', filepath))

    def rmtree(self, dir_path) -> None:
        self._queued.append(('rmtree', dir_path))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        from mmengine.fileio import LocalBackend
        if isinstance(self._backend, LocalBackend):
            atomic_write(os.fspath(filepath), lambda f: f.write(obj), 'w')
        else:
            self._backend.put_text(obj, filepath, encoding=encoding)

    def flush(self, keep=()) -> None:
        """Run the queued removals, except of the paths in ``keep``."""
        keep = {os.fspath(k) for k in keep if k is not None}
        for op, path in self._queued:
            if os.fspath(path) in keep:
                continue
            if op == 'remove':
                if self._backend.isfile(path):
                    self._backend.remove(path)
            elif self._backend.isdir(path):
                self._backend.rmtree(path)
        self._queued.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _make_deferred(original: Callable) -> Callable:

    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        backend = getattr(self, 'file_backend', None)
        if backend is None:
            return original(self, *args, **kwargs)
        proxy = _DeferredRemovalBackend(backend)
        self.file_backend = proxy
        try:
            result = original(self, *args, **kwargs)
        finally:
            self.file_backend = backend
        # Only reached when the new checkpoint was written; never delete
        # what this call has just saved.
        keep = [getattr(self, 'last_ckpt', None),
                getattr(self, 'best_ckpt_path', None)]
        keep += list(getattr(self, 'best_ckpt_path_dict', {}).values())
        proxy.flush(keep)
        return result

    setattr(wrapper, _ORIGINAL_ATTR, original)
    return wrapper



#: Old location of ``patch_checkpoint_saving``
#: (now in :mod:`mpm.engine.mmengine_patches`).
__getattr__ = moved_names(
    __name__, {'patch_checkpoint_saving': 'mpm.engine.mmengine_patches'})
