"""File writing that never leaves a half-written file behind."""
import os
import os.path as osp
import random
from typing import Any, Callable, Tuple

__all__ = ['atomic_write', 'TEMP_NAME_PATTERN']


#: Temporary files are named ``.<target name>.<8 random characters>.tmp``;
#: ``TEMP_NAME_PATTERN`` matches them (group ``target``).
TEMP_SUFFIX = '.tmp'
_TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_'
TEMP_NAME_PATTERN = r'\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp'


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _create_temp(directory: str, name: str) -> Tuple[int, str]:
    """Create ``.<name>.<8 random characters>.tmp`` in ``directory``
    exclusively, with the mode ``open`` would give (0o666 less the umask;
    ``tempfile.mkstemp`` would give 0o600)."""
    rng = random.SystemRandom()
    for _ in range(100):
        token = ''.join(rng.choice(_TOKEN_CHARS) for _ in range(8))
        tmp = osp.join(directory, f'.{name}.{token}{TEMP_SUFFIX}')
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), \
                tmp
        except FileExistsError:
            continue
    raise FileExistsError(f'no free temporary name for {name} in '
                          f'{directory}')


def atomic_write(path: str, write: Callable[[Any], None],
                 mode: str = 'wb') -> None:
    """Write a file so that ``path`` is either complete or untouched.

    ``write(f)`` fills a temporary file next to ``path`` (same directory,
    hence same file system), which is flushed, ``fsync``-ed and renamed to
    ``path`` with :func:`os.replace`; it gets the permissions of a file
    created with ``open`` (0o666 less the umask), so that whoever may read
    the folder can read it. On any error
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
    fd, tmp = _create_temp(directory, osp.basename(path))
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
