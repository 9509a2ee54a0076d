"""Capture and restore the random number generators of one process.

A training step draws random numbers from three global generators: Python's
``random`` (rare), NumPy's legacy global generator (data transforms) and
torch's default generators (dropout, masks, flips; one per CUDA device on
GPUs). :func:`get_rng_state` returns all of them as plain data, so that a
checkpoint can hold them and :func:`set_rng_state` can put a process back
exactly where it was.

The state is stored with plain types (lists, ints, str) except torch's
states, which are ``uint8`` tensors; :func:`torch.load` with
``weights_only=True`` accepts all of them.
"""
import random
from typing import Any, Dict

import numpy as np
import torch

RngState = Dict[str, Any]


def get_rng_state() -> RngState:
    """The current state of every global generator of this process.

    Returns:
        dict with ``python`` (list: version, 625 ints, gauss_next),
        ``numpy`` (list: 'MT19937', 624 ints, pos, has_gauss,
        cached_gaussian), ``torch`` (uint8 tensor, CPU generator) and, when
        CUDA has been initialised, ``cuda`` (list of uint8 tensors, one per
        device).
    """
    version, internal, gauss_next = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: RngState = dict(
        python=[int(version), [int(v) for v in internal], gauss_next],
        numpy=[str(name), keys.tolist(), int(pos), int(has_gauss),
               float(cached)],
        torch=torch.get_rng_state().clone())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = [s.clone() for s in torch.cuda.get_rng_state_all()]
    return state


def set_rng_state(state: RngState) -> None:
    """Restore generators saved by :func:`get_rng_state`.

    Generators missing from ``state`` are left as they are; CUDA states are
    restored only when CUDA is available and the number of devices matches.

    Raises:
        ValueError: ``state`` is not a dict of the expected layout.
    """
    if not isinstance(state, dict):
        raise ValueError(f'RNG state must be a dict, got '
                         f'{type(state).__name__}')
    try:
        if 'python' in state:
            version, internal, gauss_next = state['python']
            random.setstate((int(version), tuple(int(v) for v in internal),
                             gauss_next))
        if 'numpy' in state:
            name, keys, pos, has_gauss, cached = state['numpy']
            np.random.set_state((str(name), np.asarray(keys, np.uint32),
                                 int(pos), int(has_gauss), float(cached)))
        if 'torch' in state:
            torch.set_rng_state(torch.as_tensor(state['torch'],
                                                dtype=torch.uint8).cpu())
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f'malformed RNG state ({type(err).__name__}: '
                         f'{err})') from err
    cuda = state.get('cuda')
    if cuda and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])
