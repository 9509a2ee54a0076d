"""Safe reading of VideoPose3D / P-STMO style ``.npz`` files.

Those files store nested Python containers (``dict`` subject -> ``dict``
action -> arrays) as a pickled 0-d object array inside the ``.npz`` zip.
``np.load(allow_pickle=True)`` would run any code an attacker put in such a
pickle. :func:`load_npz_dict` instead reads the ``.npy`` member itself and
unpickles object payloads with :class:`RestrictedUnpickler`, which only
resolves the globals that numpy object arrays of dicts / lists of numeric
arrays need (array reconstruction, dtypes, numpy scalars, plain builtin
containers). Any other global raises :class:`pickle.UnpicklingError` naming it,
before anything is called.
"""
import ast
import importlib
import os
import os.path as osp
import pickle
import struct
import zipfile
import zlib
from typing import Any, FrozenSet, Optional, Tuple

import numpy as np

__all__ = ['load_npz_dict', 'RestrictedUnpickler', 'ALLOWED_GLOBALS',
           'NpzKeyError']

#: (module, name) pairs the restricted unpickler may resolve. Module names are
#: given in their numpy >= 2 spelling; ``numpy.core`` (numpy 1.x pickles) and
#: ``__builtin__`` (Python 2 pickles) are mapped onto them first.
ALLOWED_GLOBALS: FrozenSet[Tuple[str, str]] = frozenset({
    # ndarray reconstruction: _reconstruct(ndarray, shape, dtype) + setstate.
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    # numpy scalars (np.float64(1.0) inside a dict) and protocol-5 buffers.
    ('numpy._core.multiarray', 'scalar'),
    ('numpy._core.numeric', '_frombuffer'),
    # bytes written by Python 3 under pickle protocol < 3.
    ('_codecs', 'encode'),
    # Plain builtin values and containers.
    *(('builtins', name) for name in (
        'dict', 'list', 'tuple', 'set', 'frozenset', 'str', 'bytes',
        'bytearray', 'int', 'float', 'complex', 'bool', 'slice', 'range')),
})


def _canonical_module(module: str) -> str:
    """Map legacy module names onto the ones :data:`ALLOWED_GLOBALS` uses."""
    if module == '__builtin__':
        return 'builtins'
    if module == 'numpy.core' or module.startswith('numpy.core.'):
        if hasattr(np, '_core'):  # numpy >= 2 renamed numpy.core
            return 'numpy._core' + module[len('numpy.core'):]
    elif module.startswith('numpy._core') and not hasattr(np, '_core'):
        return 'numpy.core' + module[len('numpy._core'):]
    return module


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only resolves :data:`ALLOWED_GLOBALS`.

    ``find_class`` is the only way a pickle can reach a callable, so refusing
    every other ``(module, name)`` there means a malicious payload is rejected
    before anything runs.
    """

    def find_class(self, module: str, name: str) -> Any:
        canonical = _canonical_module(module)
        key = (canonical, name)
        # Accept both numpy spellings on either numpy major version.
        allowed = key in ALLOWED_GLOBALS or (
            canonical.startswith('numpy.core') and
            ('numpy._core' + canonical[len('numpy.core'):], name)
            in ALLOWED_GLOBALS)
        if not allowed:
            raise pickle.UnpicklingError(
                f"forbidden global '{module}.{name}' in the pickled data: "
                'only numpy arrays, numpy scalars and builtin containers are '
                'allowed, so this file was not loaded (nothing in it was '
                'executed). Re-create the file with plain dicts/lists of '
                'numeric arrays.')
        return getattr(importlib.import_module(canonical), name)


class NpzKeyError(KeyError):
    """``KeyError`` whose message prints without the repr quoting."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def _missing_file_message(path: str, what: str, hint: Optional[str]) -> str:
    msg = f'{what} file not found: {path}.'
    if hint:
        msg += f' {hint}'
    return msg


def _read_header(fp, path: str, member: str) -> Tuple[tuple, bool, np.dtype]:
    """Read the ``.npy`` magic and header: (shape, fortran_order, dtype)."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp)
    if version == (3, 0):  # same as 2.0 with a utf-8 header
        (length,) = struct.unpack('<I', fp.read(4))
        header = ast.literal_eval(fp.read(length).decode('utf8'))
        dtype = np.lib.format.descr_to_dtype(header['descr'])
        return header['shape'], header['fortran_order'], dtype
    raise ValueError(f'{path}: member {member} has unsupported .npy format '
                     f'version {version}.')


def load_npz_dict(path: str, key: str, what: str = 'data',
                  hint: Optional[str] = None) -> Any:
    """Read one entry of an ``.npz`` file without executing pickled code.

    Args:
        path: the ``.npz`` file.
        key: the entry to read, e.g. ``'positions_3d'`` (the ``.npy`` member
            ``key + '.npy'`` inside the zip).
        what: words describing the file for error messages, e.g.
            ``'Human3.6M 3D poses'``.
        hint: how to create or convert the file; appended to the
            :class:`FileNotFoundError` raised when ``path`` does not exist.

    Returns:
        For a 0-d object array (a pickled dict, as VideoPose3D writes): the
        contained Python object (e.g. ``dict`` subject -> ``dict`` action ->
        arrays). For any other object array: that array. For a plain numeric
        array: the array, read without pickle.

    Raises:
        FileNotFoundError: ``path`` does not exist (message has ``hint``).
        ValueError: ``path`` is not a readable ``.npz`` (zip) file.
        NpzKeyError: (a ``KeyError``) ``key`` is not in the file; the message
            lists the keys that are.
        pickle.UnpicklingError: the pickled payload refers to a global that
            is not in :data:`ALLOWED_GLOBALS` (nothing is executed).
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(_missing_file_message(path, what, hint))
    member = f'{key}.npy'
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if member not in names:
                keys = sorted(n[:-4] for n in names if n.endswith('.npy'))
                raise NpzKeyError(
                    f"key '{key}' not found in {what} file {path}; available "
                    f'keys: {keys}. Check that this is the right file '
                    f'(e.g. 2D vs 3D).')
            with zf.open(member) as fp:
                try:
                    shape, fortran_order, dtype = _read_header(
                        fp, path, member)
                except (ValueError, SyntaxError, KeyError) as err:
                    raise ValueError(
                        f'{what} file {path}: member {member} is not a valid '
                        f'.npy array ({err}).') from err
                if not dtype.hasobject:
                    with zf.open(member) as fresh:
                        return np.lib.format.read_array(fresh,
                                                        allow_pickle=False)
                try:
                    obj = RestrictedUnpickler(fp, encoding='latin1').load()
                except pickle.UnpicklingError as err:
                    raise pickle.UnpicklingError(
                        f'{path} (key {key!r}): {err}') from None
                except (EOFError, ValueError, TypeError, AttributeError,
                        IndexError, struct.error) as err:
                    raise ValueError(
                        f'{what} file {path}: the pickled payload of key '
                        f'{key!r} is corrupt ({type(err).__name__}: {err}).'
                    ) from err
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        raise ValueError(
            f'{what} file {path} is not a readable .npz archive '
            f'({type(err).__name__}: {err}). The file may be truncated or '
            f'corrupt; re-download or re-create it.'
            + (f' {hint}' if hint else '')) from err
    if not isinstance(obj, np.ndarray):
        raise ValueError(f'{what} file {path}: key {key!r} holds a pickled '
                         f'{type(obj).__name__}, expected a numpy array.')
    if obj.shape == () and obj.dtype == object:
        return obj.item()
    return obj
