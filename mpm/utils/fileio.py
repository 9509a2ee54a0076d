"""File writing that never leaves a half-written file behind."""
import os
import os.path as osp
import tempfile
from typing import Any, Callable

__all__ = ['atomic_write', 'TEMP_SUFFIX']


#: Temporary files are named ``.<name of the target>.<random>.tmp``.
TEMP_SUFFIX = '.tmp'


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str, write: Callable[[Any], None],
                 mode: str = 'wb') -> None:
    """Write a file so that ``path`` is either complete or untouched.

    ``write(f)`` fills a temporary file next to ``path`` (same directory,
    hence same file system), which is flushed, ``fsync``-ed and renamed to
    ``path`` with :func:`os.replace`; it gets the permissions of a file
    created with ``open`` (0o666 less the umask), not ``mkstemp``'s 0o600,
    so that others who may read the folder can read it. On any error
    (including ``KeyboardInterrupt``) the temporary file is removed and the
    error re-raised.

    Args:
        path: destination; its directory is created if needed.
        write: callable receiving the open temporary file.
        mode: ``'wb'`` or ``'w'``.
    """
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
