"""Detect corrupt checkpoints: zip CRCs and a sha256 of the payload.

Two independent checks, both run by :func:`mpm.engine.checkpoint.
load_checkpoint_file` before a checkpoint is used:

1. **Container.** A ``torch.save`` file is a zip archive whose members
   (``data.pkl``, one per tensor storage) carry CRC-32 checksums, but
   PyTorch's reader does not check them: a checkpoint with overwritten bytes
   loads silently with wrong weights. :func:`container_error` reads every
   member and compares its CRC-32 (no unpickling). Flipped, overwritten,
   truncated and empty files fail here.
2. **Payload.** Every checkpoint mpm writes (training checkpoints through
   :mod:`mpm.engine.safe_save`, published and converted ones through
   ``save_published``) records ``meta['payload_sha256']``: the SHA-256 of
   its content (every tensor's dtype, shape and bytes, every key, number and
   string, in order; see :func:`payload_sha256`) computed just before it is
   written. :func:`payload_error` recomputes it after loading. It catches
   what a container check cannot: a file rewritten with valid CRCs but other
   content, or a checkpoint edited after mpm wrote it. The hash lives inside
   the file, so it survives copying and renaming. Checkpoints without the
   key (written by older mpm or other tools) are checked by their
   container only.

:func:`last_intact_sibling` names the newest checkpoint beside a corrupt one
whose container is intact, for error messages and ``--resume``.
"""
import hashlib
import os
import os.path as osp
import re
import struct
import zipfile
import zlib
from typing import IO, Any, Optional, Union

import numpy as np
import torch

#: ``meta`` key holding the hex SHA-256 of the rest of the checkpoint.
PAYLOAD_SHA256_KEY = 'payload_sha256'

_TRAINING_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')

PathOrFile = Union[str, os.PathLike, IO[bytes]]

__all__ = ['PAYLOAD_SHA256_KEY', 'payload_sha256', 'stamp_payload_sha256',
           'payload_error', 'container_error', 'last_intact_sibling']


# ---------------------------------------------------------------------------
# Payload hash
# ---------------------------------------------------------------------------
def _is_code(value: Any) -> bool:
    """Functions, or a dict of functions: references to code, not data.

    Left out of an object's attributes because pickling may add them:
    ``HistoryBuffer.__getstate__`` puts ``statistics_methods`` into the
    live object's ``__dict__`` while ``torch.save`` runs.
    """
    if isinstance(value, dict):
        return bool(value) and all(callable(v) and not isinstance(v, type)
                                   for v in value.values())
    return callable(value) and not isinstance(value, type) and \
        not torch.is_tensor(value)


def _feed(digest, obj: Any, skip_meta_key: bool = False) -> None:
    """Feed a canonical, type-tagged encoding of ``obj`` to ``digest``.

    The encoding depends only on values (not on memory layout, device or
    object identity), so the object a checkpoint was saved from and the one
    loaded back from the file give the same bytes.
    """

    def tag(kind: str, text: str = '') -> None:
        data = text.encode('utf-8', 'surrogatepass')
        digest.update(kind.encode() + struct.pack('<Q', len(data)) + data)

    if torch.is_tensor(obj):
        t = obj.detach()
        if t.layout != torch.strided:
            t = t.to_dense()
        t = t.cpu().contiguous().reshape(-1)
        tag('T', f'{t.dtype}:{tuple(obj.shape)}')
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel()
                      else b'')
    elif isinstance(obj, np.ndarray):
        tag('A', f'{obj.dtype.str}:{obj.shape}')
        if obj.dtype.hasobject:
            for item in obj.ravel():
                _feed(digest, item)
        else:
            digest.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, np.generic):
        tag('S', obj.dtype.str)
        digest.update(obj.tobytes())
    elif obj is None or isinstance(obj, (bool, int, float, complex)):
        tag(type(obj).__name__, repr(obj))
    elif isinstance(obj, str):
        tag('str', obj)
    elif isinstance(obj, (bytes, bytearray)):
        tag('bytes')
        digest.update(struct.pack('<Q', len(obj)) + bytes(obj))
    elif isinstance(obj, dict):
        items = [(k, v) for k, v in obj.items()
                 if not (skip_meta_key and k == PAYLOAD_SHA256_KEY)]
        tag('dict', str(len(items)))
        for key, value in items:
            _feed(digest, key)
            _feed(digest, value, skip_meta_key=(key == 'meta'))
    elif isinstance(obj, (list, tuple)):
        tag(type(obj).__name__ if type(obj) in (list, tuple) else 'seq',
            str(len(obj)))
        for item in obj:
            _feed(digest, item)
    elif isinstance(obj, (set, frozenset)):
        tag('set', str(len(obj)))
        for text in sorted(repr(item) for item in obj):
            tag('item', text)
    elif isinstance(obj, (torch.dtype, torch.device)):
        tag('torch', str(obj))
    elif callable(obj) and hasattr(obj, '__qualname__'):
        tag('callable', f'{getattr(obj, "__module__", "")}.{obj.__qualname__}')
    elif hasattr(obj, '__dict__'):
        cls = type(obj)
        tag('object', f'{cls.__module__}.{cls.__qualname__}')
        _feed(digest, {k: v for k, v in vars(obj).items()
                       if not _is_code(v)})
    else:  # its repr may hold a memory address: the class only
        cls = type(obj)
        tag('other', f'{cls.__module__}.{cls.__qualname__}')


def payload_sha256(ckpt: Any) -> str:
    """Hex SHA-256 of a checkpoint's content, ``meta['payload_sha256']``
    itself excluded.

    Covers every key and value (``state_dict``, ``optimizer``,
    ``message_hub``, ``meta``, ...): tensors by dtype, shape and bytes,
    numpy arrays and scalars by dtype, shape and bytes, numbers by ``repr``,
    other objects by class name and attributes.
    """
    digest = hashlib.sha256()
    _feed(digest, ckpt)
    return digest.hexdigest()


def stamp_payload_sha256(ckpt: Any) -> Any:
    """Record :func:`payload_sha256` in ``ckpt['meta']`` (in place).

    Only checkpoint dicts are stamped: those with a dict ``meta`` or a
    ``state_dict`` (a ``meta`` dict is added then). A bare state dict
    (``{name: Tensor}``) is returned unchanged, since an extra key would
    break loading it as a state dict.

    Returns:
        ``ckpt``.
    """
    if not isinstance(ckpt, dict):
        return ckpt
    meta = ckpt.get('meta')
    if meta is None and 'state_dict' in ckpt:
        meta = ckpt['meta'] = {}
    if isinstance(meta, dict):
        meta.pop(PAYLOAD_SHA256_KEY, None)
        meta[PAYLOAD_SHA256_KEY] = payload_sha256(ckpt)
    return ckpt


def payload_error(ckpt: Any) -> Optional[str]:
    """Why the loaded ``ckpt`` does not match its recorded hash, or None
    (it matches, or records none)."""
    meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
    recorded = meta.get(PAYLOAD_SHA256_KEY) if isinstance(meta, dict) \
        else None
    if recorded is None:
        return None
    actual = payload_sha256(ckpt)
    if actual == recorded:
        return None
    return (f"its content does not match the sha256 recorded when it was "
            f"written (meta['{PAYLOAD_SHA256_KEY}'] {str(recorded)[:16]}..., "
            f'content {actual[:16]}...)')


# ---------------------------------------------------------------------------
# Container CRCs
# ---------------------------------------------------------------------------
def container_error(source: PathOrFile) -> Optional[str]:
    """Why a ``torch.save`` zip archive is damaged, or None when every
    member's CRC-32 matches (nothing is unpickled).

    Args:
        source: a path or a binary file object (its position is restored).

    Returns:
        None, or a reason such as ``"CRC-32 mismatch in 'archive/data/3'"``
        or ``'not a complete zip archive (File is not a zip file)'``.
    """
    f = source if hasattr(source, 'read') else None
    pos = f.tell() if f is not None else None
    try:
        with zipfile.ZipFile(f if f is not None else os.fspath(source)) \
                as archive:
            bad = archive.testzip()  # reads every member, checks CRC-32
            if bad is not None:
                return f"CRC-32 mismatch in its member '{bad}'"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError,
            ValueError, OSError, zlib.error, NotImplementedError) as err:
        return (f'it is not a complete zip archive '
                f'({type(err).__name__}: {err})')
    finally:
        if f is not None:
            f.seek(pos)
    return None


def _sort_key(path: str):
    match = _TRAINING_NAME.match(osp.basename(path))
    return (int(match.group(2)) if match else -1, osp.getmtime(path))


def last_intact_sibling(path: Union[str, os.PathLike]) -> Optional[str]:
    """The newest other checkpoint in ``path``'s folder with an intact
    container, or None.

    For a training checkpoint (``iter_N.pth`` / ``epoch_N.pth``) only
    training checkpoints count, newest N first; for any other name every
    ``*.pth`` counts, newest modification time first. Hidden files
    (temporary files of interrupted saves) are ignored.
    """
    path = osp.abspath(os.fspath(path))
    folder, own = osp.split(path)
    training = bool(_TRAINING_NAME.match(own))
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    candidates = []
    for name in names:
        full = osp.join(folder, name)
        if name == own or name.startswith('.') or not name.endswith('.pth') \
                or not osp.isfile(full):
            continue
        if training and not _TRAINING_NAME.match(name):
            continue
        candidates.append(full)
    for candidate in sorted(candidates, key=_sort_key, reverse=True):
        if osp.getsize(candidate) > 0 and container_error(candidate) is None:
            return candidate
    return None
