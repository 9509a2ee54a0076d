"""One loader for every checkpoint: allow-listed ``weights_only`` loading,
integrity checks, full unpickling only with ``--trust-checkpoint``.

Why this module exists
----------------------
Full unpickling of a file runs whatever code its pickle names, so a
checkpoint must never be fully unpickled just because of where it lies.
``torch.load(weights_only=True)`` only rebuilds tensors and plain Python
containers; MMEngine 0.10.7 training checkpoints need a few more globals
(the message hub's ``HistoryBuffer``, numpy arrays and scalars), listed
exactly in :mod:`mpm.engine.checkpoint_allowlist`.

The policy implemented by :func:`load_checkpoint_file` (and every loader
routed through it):

1. The file must be intact (:mod:`mpm.engine.checkpoint_integrity`): the
   CRC-32 of every member of the zip container is checked before anything
   is unpickled, and ``meta['payload_sha256']`` (recorded by mpm when it
   writes a checkpoint) is recomputed after loading. A corrupt, truncated or
   empty file raises :class:`CorruptCheckpointError` naming the file and the
   newest intact checkpoint beside it.
2. It is loaded with ``torch.load(weights_only=True)`` plus the allow-list,
   wherever it lies. Every checkpoint mpm and MMEngine write (training,
   resumed, stage I for stage II, published, converted) loads this way.
3. A file that needs any other global is refused with
   :class:`UntrustedCheckpointError`, which names the globals it wanted.
   Only ``--trust-checkpoint`` (per command; :func:`configure_trust`)
   unpickles it fully, and the file is then named in a WARNING.

Published checkpoints (:func:`strip_checkpoint`, :func:`save_published`) hold
only ``meta`` (plain JSON-like types) and ``state_dict`` (tensors), so they
load with plain ``torch.load(weights_only=True)`` too, without mpm.

:func:`mpm.engine.mmengine_patches.patch_checkpoint_loading` routes
MMEngine's own loaders
(``CheckpointLoader`` schemes used by ``Runner.load_checkpoint``,
``Runner.resume``, ``load_from`` and ``init_cfg=dict(type='Pretrained')``)
through :func:`load_checkpoint_file` under the process-wide flag set with
:func:`configure_trust`.
"""
import hashlib
import io
import logging
import os
import os.path as osp
import pickle
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any, Callable, Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.logging import print_log

from mpm.utils.fileio import atomic_write
from mpm.utils.moved import moved_names
from .checkpoint_allowlist import allow_checkpoint_globals
from .checkpoint_integrity import (container_error, last_intact_sibling,
                                   payload_error, stamp_payload_sha256)

PathLike = Union[str, os.PathLike]
MapLocation = Union[None, str, torch.device, Callable, Dict[str, str]]

PUBLISH_HINT = (
    'python tools/model_converters/publish_model.py IN_FILE OUT_FILE')

# A torch.save file is either a zip archive (PyTorch >= 1.6) or the legacy
# format, whose first pickle is torch's magic number.
_ZIP_MAGIC = (b'PK\x03\x04', b'PK\x05\x06')
_LEGACY_MAGIC = torch.serialization.MAGIC_NUMBER.to_bytes(10, 'little')
_BLOCKED_PATTERN = re.compile(r'unsupported GLOBAL (\S+) whose module \S+ is '
                              r'blocked')
_GLOBAL_PATTERNS = (
    re.compile(r'GLOBAL (\S+) was not an allowed global'),
    re.compile(r'unsupported GLOBAL (\S+) whose module'),
    re.compile(r'allowlisted via `add_safe_globals`, but got <class '
               r"'([^']+)'>"),
)


class CheckpointLoadError(RuntimeError):
    """Base class of the errors raised by :func:`load_checkpoint_file`."""


class UntrustedCheckpointError(CheckpointLoadError):
    """The checkpoint needs globals outside the allow-list.

    Attributes:
        path (str): The file that was refused.
        rejected_globals (list[str]): Globals the file asks for that are
            neither in torch's ``weights_only`` list nor in
            :mod:`mpm.engine.checkpoint_allowlist` (may be empty if torch
            did not name them).
    """

    def __init__(self, message: str, path: str, rejected_globals: List[str]):
        super().__init__(message)
        self.path = path
        self.rejected_globals = rejected_globals


class InvalidCheckpointError(CheckpointLoadError):
    """The file is not a PyTorch checkpoint, or it is truncated/corrupt."""


class CorruptCheckpointError(InvalidCheckpointError):
    """The file is a damaged checkpoint (CRC error, truncated, empty, or
    content that does not match its recorded sha256).

    Attributes:
        path (str): The corrupt file.
        reason (str): What is wrong with it.
        intact (str | None): The newest intact checkpoint beside it.
    """

    def __init__(self, path: str, reason: str,
                 intact: Optional[str] = None):
        if intact:
            advice = (f'The newest intact checkpoint beside it is '
                      f"'{intact}': use that one (tools/train.py --resume "
                      'picks it by itself).')
        else:
            advice = ('No intact checkpoint lies beside it: re-copy the '
                      'file or train again.')
        super().__init__(f"Checkpoint '{path}' is unreadable: it is corrupt "
                         f'({reason}). {advice}')
        self.path = path
        self.reason = reason
        self.intact = intact


@dataclass(frozen=True)
class TrustPolicy:
    """Whether checkpoints outside the allow-list may be fully unpickled.

    Attributes:
        trust_all (bool): The user vouched for the command's checkpoints
            (``--trust-checkpoint``).
    """
    trust_all: bool = False


_POLICY = TrustPolicy()


def configure_trust(trust: bool = False) -> TrustPolicy:
    """Set the process-wide flag used by MMEngine's patched loaders.

    Each call replaces the previous policy. Where a file lies never matters.

    Args:
        trust (bool): ``--trust-checkpoint``: fully unpickle checkpoints
            that need globals outside the allow-list (logged at WARNING).

    Returns:
        TrustPolicy: The new policy.
    """
    global _POLICY
    _POLICY = TrustPolicy(bool(trust))
    return _POLICY


def get_trust_policy() -> TrustPolicy:
    """The process-wide policy last set by :func:`configure_trust`."""
    return _POLICY


def _sniff_format(f: IO[bytes]) -> Optional[str]:
    """'zip' or 'legacy' for ``torch.save`` output, None for anything else."""
    pos = f.tell()
    head = f.read(64)
    f.seek(pos)
    if head[:4] in _ZIP_MAGIC:
        return 'zip'
    if head[:1] == b'\x80' and _LEGACY_MAGIC in head[:40]:
        return 'legacy'
    return None


def _rejected_globals(f: IO[bytes], fmt: str, message: str) -> List[str]:
    """Globals outside the allow-list, without executing the pickle."""
    found: List[str] = []
    if fmt == 'zip':
        try:
            f.seek(0)
            with allow_checkpoint_globals():
                found = sorted(
                    torch.serialization.get_unsafe_globals_in_checkpoint(f))
        except Exception:  # best effort: fall back to torch's message
            found = []
        finally:
            f.seek(0)
    for pattern in _GLOBAL_PATTERNS:
        for name in pattern.findall(message):
            name = name.rstrip('.')
            if name not in found:
                found.append(name)
    return found


def _untrusted_message(name: str, rejected: List[str],
                       torch_message: str) -> str:
    if rejected:
        shown = ', '.join(rejected[:8])
        if len(rejected) > 8:
            shown += f', ... ({len(rejected)} in all)'
        what = f'it asks for Python globals outside the allow-list: {shown}'
    else:
        what = ('it uses pickle features that weights_only loading does '
                'not support')
    blocked = _BLOCKED_PATTERN.search(torch_message)
    warning = (f'WARNING: the file asks for {blocked.group(1)}, from a module '
               'torch blocks as dangerous (no ordinary checkpoint needs it): '
               'treat the file as malicious.\n' if blocked else '')
    return (
        f"Refusing to load checkpoint '{name}': {what}. Checkpoints written "
        'by mpm and MMEngine never need them, so this file was written by '
        'other code (or crafted); loading it would need full unpickling, '
        'which can run arbitrary code stored in the file. Where the file '
        'lies does not matter.\n'
        f'{warning}'
        'To proceed, either\n'
        '  * save only its weights where you trust it (torch.save('
        "{'state_dict': model.state_dict()}, PATH)) and use that file; or\n"
        '  * if you trust the origin of this file, pass --trust-checkpoint '
        '(tools/train.py, tools/test.py, tools/infer.py, publish_model.py, '
        'convert_official.py), which fully unpickles it.')


def _check_payload(obj: Any, name: str) -> Any:
    reason = payload_error(obj)
    if reason is not None:
        raise CorruptCheckpointError(name, reason, _intact_beside(name))
    return obj


def _intact_beside(name: str) -> Optional[str]:
    return last_intact_sibling(name) if osp.isfile(name) else None


def _load_stream(f: IO[bytes], name: str, map_location: MapLocation,
                 trust: bool) -> Any:
    """Check, then load an open binary stream (see module docstring)."""
    fmt = _sniff_format(f)
    if fmt is None:
        size = f.seek(0, io.SEEK_END)
        f.seek(0)
        if size == 0:
            raise CorruptCheckpointError(
                name, 'the file is empty (0 bytes): an interrupted copy or '
                'save', _intact_beside(name))
        raise InvalidCheckpointError(
            f"'{name}' is not a PyTorch checkpoint: it is neither a "
            'torch.save zip archive nor a legacy torch.save file. Check the '
            'path; checkpoints are written by torch.save (e.g. '
            'work_dirs/*/epoch_*.pth).')
    if fmt == 'zip':
        reason = container_error(f)
        if reason is not None:
            raise CorruptCheckpointError(name, reason, _intact_beside(name))
    try:
        with allow_checkpoint_globals():
            obj = torch.load(f, map_location=map_location, weights_only=True)
        return _check_payload(obj, name)
    except pickle.UnpicklingError as err:
        message = str(err)
    except CheckpointLoadError:
        raise
    except Exception as err:
        raise CorruptCheckpointError(
            name, f'the file looks like a {fmt} torch.save file but is '
            f'truncated or corrupt ({type(err).__name__}: '
            f'{str(err)[:300]})', _intact_beside(name)) from err
    f.seek(0)
    rejected = _rejected_globals(f, fmt, message)
    if not trust:
        raise UntrustedCheckpointError(
            _untrusted_message(name, rejected, message), name, rejected)
    print_log(
        f"--trust-checkpoint: fully unpickling '{name}', which asks for "
        f'{", ".join(rejected[:8]) or "pickle features outside weights_only"}'
        '; any code stored in it runs now.',
        logger='current', level=logging.WARNING)
    f.seek(0)
    try:
        obj = torch.load(f, map_location=map_location, weights_only=False)
    except Exception as err:
        raise CorruptCheckpointError(
            name, 'it could not be read even with full unpickling '
            f'({type(err).__name__}: {str(err)[:300]})',
            _intact_beside(name)) from err
    return _check_payload(obj, name)


def load_checkpoint_file(path: PathLike,
                         map_location: MapLocation = 'cpu',
                         trust: bool = False) -> Any:
    """Load a local ``torch.save`` file: checked, allow-listed, safe.

    The container's CRCs are checked, the file is loaded with
    ``torch.load(weights_only=True)`` plus the allow-list of
    :mod:`mpm.engine.checkpoint_allowlist`, and a recorded
    ``meta['payload_sha256']`` is verified. Files needing other globals
    are fully unpickled only with ``trust`` (logged at WARNING).

    Args:
        path (str | PathLike): The checkpoint file. ``~`` is expanded.
        map_location: Same as :func:`torch.load`. Defaults to ``'cpu'``.
        trust (bool): ``--trust-checkpoint``: fully unpickle a file that
            needs globals outside the allow-list.

    Returns:
        Any: The loaded object, usually a dict with ``state_dict`` and
        ``meta`` (training checkpoints also hold ``optimizer``,
        ``message_hub``, ``param_schedulers``) or a bare state dict.

    Raises:
        FileNotFoundError: ``path`` does not exist or is not a file.
        UntrustedCheckpointError: Globals outside the allow-list, no trust.
        CorruptCheckpointError: CRC error, truncated, empty, or content
            that does not match its recorded sha256.
        InvalidCheckpointError: Not a checkpoint at all.
    """
    name = osp.expanduser(os.fspath(path))
    if not osp.isfile(name):
        raise FileNotFoundError(
            f"Checkpoint file '{name}' does not exist (or is not a file). "
            'Check the path given to --resume / load_from / the checkpoint '
            'argument.')
    with open(name, 'rb') as f:
        return _load_stream(f, name, map_location, bool(trust))


def load_checkpoint_bytes(data: bytes,
                          name: str,
                          map_location: MapLocation = 'cpu',
                          trust: bool = False) -> Any:
    """Load a checkpoint held in memory (e.g. fetched from object storage)
    under the same checks as :func:`load_checkpoint_file`.

    Args:
        data (bytes): The file's content.
        name (str): Where it came from, for messages.
        map_location: Same as :func:`torch.load`.
        trust (bool): The user passed ``--trust-checkpoint``.
    """
    with io.BytesIO(data) as f:
        return _load_stream(f, name, map_location, bool(trust))


def load_checkpoint_source(source: str,
                           map_location: MapLocation = 'cpu') -> Any:
    """Load a local path or URL under the process-wide policy.

    Local files go to :func:`load_checkpoint_file`; URLs (``http(s)://``,
    ``s3://``, ...) to MMEngine's ``CheckpointLoader`` after
    :func:`patch_checkpoint_loading`, so they are checked the same way.
    Used by ``init_cfg`` initialisers such as ``PretrainedParts``.
    """
    source = os.fspath(source)
    if '://' not in source:
        return load_checkpoint_file(source, map_location,
                                    trust=_POLICY.trust_all)
    from mmengine.runner.checkpoint import CheckpointLoader
    patch_checkpoint_loading()
    return CheckpointLoader.load_checkpoint(source, map_location)

# ---------------------------------------------------------------------------
# Publishing: meta (plain types) + state_dict (tensors)
# ---------------------------------------------------------------------------
_DROP = object()


def to_plain(obj: Any) -> Any:
    """Convert ``obj`` to JSON-like plain types, or a sentinel if impossible.

    Keeps ``None``, ``bool``, ``int``, ``float``, ``str``; converts numpy
    scalars and arrays (``.tolist()``), tuples and lists (to lists) and dicts
    with str/int/float/bool keys, recursively. Anything else (tensors, custom
    objects, functions) cannot be represented and is dropped by the caller.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return to_plain(obj.item())
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in 'biufU':
            return obj.tolist()
        return _DROP
    if isinstance(obj, (list, tuple)):
        out = [to_plain(v) for v in obj]
        return _DROP if any(v is _DROP for v in out) else out
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, np.generic):
                k = k.item()
            if not isinstance(k, (str, int, float, bool)):
                continue
            v = to_plain(v)
            if v is not _DROP:
                out[k] = v
        return out
    return _DROP


def strip_checkpoint(ckpt: Any) -> Dict[str, Any]:
    """Keep only what a released model needs: ``meta`` and ``state_dict``.

    ``optimizer``, ``message_hub``, ``param_schedulers`` and every other key
    are dropped. ``meta`` is converted with :func:`to_plain` (entries that are
    not plain data are dropped and logged). ``state_dict`` tensors are
    detached, moved to CPU and made contiguous, standalone copies (so a view
    of a larger tensor does not drag its whole storage along).

    Args:
        ckpt (dict): A training checkpoint (``{'state_dict': ..., 'meta':
            ...}``) or a bare state dict (``{name: Tensor}``).

    Returns:
        dict: ``{'meta': dict, 'state_dict': OrderedDict[str, Tensor]}``, which
        ``torch.load(weights_only=True)`` accepts.

    Raises:
        TypeError: ``ckpt`` is not a dict.
        KeyError: No ``state_dict`` and not a bare state dict.
    """
    if not isinstance(ckpt, dict):
        raise TypeError(
            f'Expected a checkpoint dict, got {type(ckpt).__name__}.')
    if 'state_dict' in ckpt:
        state_dict = ckpt['state_dict']
        meta = ckpt.get('meta') or {}
    elif ckpt and all(torch.is_tensor(v) for v in ckpt.values()):
        state_dict, meta = ckpt, {}
    else:
        raise KeyError(
            "Checkpoint has no 'state_dict' and is not a bare state dict; "
            f'its keys are {sorted(map(str, ckpt))[:20]}.')
    if not isinstance(state_dict, dict):
        raise TypeError("ckpt['state_dict'] must be a dict of tensors, got "
                        f'{type(state_dict).__name__}.')

    tensors: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dropped: List[str] = []
    for key, value in state_dict.items():
        if torch.is_tensor(value):
            tensors[str(key)] = value.detach().to('cpu',
                                                  copy=True).contiguous()
        else:
            dropped.append(f'state_dict.{key}')

    plain_meta = {}
    if isinstance(meta, dict):
        for key, value in meta.items():
            value = to_plain(value)
            if value is _DROP or not isinstance(key, str):
                dropped.append(f'meta.{key}')
            else:
                plain_meta[key] = value
    else:
        dropped.append('meta')
    if dropped:
        print_log(
            'strip_checkpoint dropped entries that are not plain data: ' +
            ', '.join(dropped[:20]),
            logger='current')
    return {'meta': plain_meta, 'state_dict': tensors}


def sha256_file(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 digest of a file's content."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk_size), b''):
            digest.update(block)
    return digest.hexdigest()


def save_published(ckpt: Any,
                   out_file: PathLike,
                   add_hash: bool = True) -> str:
    """Strip ``ckpt`` and save it so that it loads with ``weights_only=True``.

    With ``add_hash`` the file is named ``<stem>-<first 8 hex of sha256>``
    plus the extension of ``out_file`` (``.pth`` if it has none), the
    OpenMMLab release convention that ``torch.hub`` can verify. The
    stripped checkpoint records ``meta['payload_sha256']``
    (:mod:`mpm.engine.checkpoint_integrity`), the bytes are checked to load
    with plain ``weights_only=True`` and written atomically
    (:func:`mpm.utils.fileio.atomic_write`).

    Args:
        ckpt (dict): A loaded checkpoint (see :func:`strip_checkpoint`).
        out_file (str | PathLike): Output path.
        add_hash (bool): Append the hash to the name. Defaults to True.

    Returns:
        str: The path of the written file.
    """
    buffer = io.BytesIO()
    torch.save(stamp_payload_sha256(strip_checkpoint(ckpt)), buffer)
    data = buffer.getvalue()
    # Self-check: the published bytes load with weights_only=True.
    torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)
    final = osp.abspath(osp.expanduser(os.fspath(out_file)))
    if add_hash:
        root, ext = osp.splitext(final)
        final = f'{root}-{hashlib.sha256(data).hexdigest()[:8]}{ext or ".pth"}'
    atomic_write(final, lambda f: f.write(data))
    return final


# ---------------------------------------------------------------------------
# MMEngine integration
# ---------------------------------------------------------------------------
def _policy_load_file(filename: str, map_location: MapLocation) -> Any:
    return load_checkpoint_file(filename, map_location,
                                trust=_POLICY.trust_all)


def load_from_local_safe(filename: str, map_location: MapLocation = None):
    """``CheckpointLoader`` scheme ``''``: a local file, loaded by
    :func:`load_checkpoint_file` under the process-wide flag."""
    return _policy_load_file(filename, map_location)


def load_from_http_safe(filename: str,
                        map_location: MapLocation = None,
                        model_dir: Optional[str] = None,
                        progress: bool = False):
    """``CheckpointLoader`` schemes ``http://`` / ``https://``.

    Downloads into torch hub's cache (rank 0 first in distributed runs, like
    MMEngine), then loads the cached file under the trust policy. MMEngine's
    own loader calls ``torch.hub.load_state_dict_from_url``, which fully
    unpickles downloads; this one does not unless the policy trusts them.
    """
    from urllib.parse import urlparse

    from mmengine.dist import barrier, get_dist_info

    if model_dir is None:
        model_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    cached = osp.join(model_dir, osp.basename(urlparse(filename).path))

    def fetch():
        if not osp.exists(cached):
            os.makedirs(model_dir, exist_ok=True)
            torch.hub.download_url_to_file(filename,
                                           cached,
                                           None,
                                           progress=progress)

    rank, world_size = get_dist_info()
    if rank == 0:
        fetch()
    if world_size > 1:
        barrier()
        if rank > 0:
            fetch()
    return _policy_load_file(cached, map_location)



#: Old location of ``patch_checkpoint_loading``
#: (now in :mod:`mpm.engine.mmengine_patches`).
__getattr__ = moved_names(
    __name__, {'patch_checkpoint_loading': 'mpm.engine.mmengine_patches'})
