"""The globals a training checkpoint of MMEngine 0.10.7 and mpm may contain.

``torch.load(weights_only=True)`` rebuilds tensors, storages and plain
Python containers; any other global a pickle names is refused. A training
checkpoint written by MMEngine 0.10.7's ``Runner`` (``meta``,
``state_dict``, ``optimizer``, ``param_schedulers``, ``message_hub``) plus
mpm's ``mpm_resume_state`` needs exactly the globals below on top of torch's
own list. They were read from real checkpoints (``tools/train.py`` on
``configs/demo/smoke.py``, ``pretrain.py`` and ``actionpose_pretrain.py``)
with :func:`torch.serialization.get_unsafe_globals_in_checkpoint`; the test
``tests/test_engine/test_checkpoint_allowlist.py`` repeats that on a fresh
checkpoint and fails when MMEngine starts writing anything else:

- ``mmengine.logging.history_buffer.HistoryBuffer``: the message hub's loss
  and learning-rate histories;
- ``builtins.getattr``: a ``HistoryBuffer`` pickles its statistics methods
  as ``getattr(HistoryBuffer, 'mean')``. The name is bound to
  :func:`history_buffer_getattr`, which only hands out functions defined on
  ``HistoryBuffer``, never a general ``getattr``;
- ``numpy.ndarray``, ``numpy.dtype``, ``numpy._core.multiarray._reconstruct``
  and ``numpy._core.multiarray.scalar``: the histories (arrays) and numpy
  scalars in the message hub's ``runtime_info``. numpy < 2 writes the same
  two functions under ``numpy.core.multiarray``; both names are listed.
  A pickled ``numpy.dtype`` is completed by ``BUILD`` on an instance of its
  class (``numpy.dtypes.Float64DType``, ...), which torch also checks
  against the list: the classes of the numeric dtypes (bool, integers,
  floats, complex) are listed; object, string and structured dtypes are not.

Everything else (``HistoryBuffer``'s data, the config text, RNG states,
counters, metrics) is plain data or tensors. Calling a global is refused by
torch unless it is in this list, so none of them can run code of the
file's choosing: ``_reconstruct``/``scalar``/``dtype`` only build numpy
objects, and the bound ``getattr`` returns (never calls) a method.
"""
import contextlib
from typing import Any, Iterator, List, Tuple

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = ['history_buffer_getattr', 'checkpoint_globals',
           'allowed_global_names', 'allow_checkpoint_globals']


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to the methods of ``HistoryBuffer``.

    Bound to the pickle name ``builtins.getattr`` while a checkpoint loads.

    Raises:
        pickle.UnpicklingError: for any other object or attribute (the
            checkpoint then needs full unpickling and is refused).
    """
    import pickle
    if obj is HistoryBuffer and isinstance(name, str) and \
            not name.startswith('_') and callable(vars(HistoryBuffer).get(
                name)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'builtins.getattr is only allowed on HistoryBuffer methods, not '
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, '
        f'{name!r})')


#: bool, signed and unsigned integers, floats, complex (numpy type codes).
_NUMERIC_DTYPES = '?bhilqBHILQefdgFDG'


def _numpy_multiarray(name: str) -> Any:
    core = getattr(np, '_core', None) or np.core
    return getattr(core.multiarray, name)


def checkpoint_globals() -> List[Tuple[Any, str]]:
    """``[(object, pickle name), ...]`` for ``torch.serialization.
    safe_globals``: the allow-list described in the module docstring."""
    pairs = [
        (HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
        (history_buffer_getattr, 'builtins.getattr'),
        (np.ndarray, 'numpy.ndarray'),
        (np.dtype, 'numpy.dtype'),
    ]
    for code in _NUMERIC_DTYPES:
        cls = type(np.dtype(code))
        pairs.append((cls, f'numpy.dtypes.{cls.__name__}'))
    for func in ('_reconstruct', 'scalar'):
        for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
            pairs.append((_numpy_multiarray(func), f'{module}.{func}'))
    return pairs


def allowed_global_names() -> List[str]:
    """The pickle names of :func:`checkpoint_globals`, sorted."""
    return sorted(name for _, name in checkpoint_globals())


@contextlib.contextmanager
def allow_checkpoint_globals() -> Iterator[None]:
    """Context in which ``torch.load(weights_only=True)`` (and
    ``get_unsafe_globals_in_checkpoint``) also accept the allow-list."""
    with torch.serialization.safe_globals(checkpoint_globals()):
        yield
