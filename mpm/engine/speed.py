"""Training speed options, chosen by device: mixed precision, fused
optimizers, ``torch.compile``.

- :func:`select_amp`: what ``--amp`` means on this machine. bfloat16
  autocast where the device has it (CUDA GPUs with bf16, e.g. A100 / H100;
  CPUs: PyTorch's CPU autocast), no loss scaling needed
  (:class:`AutocastOptimWrapper`); float16 autocast with MMEngine's
  ``AmpOptimWrapper`` and a dynamic grad scaler on CUDA GPUs without bf16;
  otherwise a one-sentence error.
- :func:`apply_fused_optimizer`: ``fused=True`` for Adam / AdamW / SGD when
  the config does not set ``fused`` or ``foreach`` itself. PyTorch's fused
  kernels exist for CUDA and CPU, and on CPU the fused Adam(amsgrad) step
  is several times faster than the default per-tensor loop.
  ``optimizer.fused=False`` in a config turns it off.
- :func:`apply_compile`: MMEngine's ``compile`` option (``torch.compile`` of
  ``train_step``), offered only on CUDA: on CPU the compiled step took
  1.9x the eager one (README, Speed; ``benchmark.py --compile``).
"""
import logging
from contextlib import contextmanager
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

__all__ = ['AutocastOptimWrapper', 'AmpUnavailableError', 'select_amp',
           'apply_amp', 'apply_fused_optimizer', 'apply_compile',
           'FUSED_OPTIMIZERS', 'training_device']

#: Optimizer types (``torch.optim`` names) that have a fused kernel.
FUSED_OPTIMIZERS = ('Adam', 'AdamW', 'SGD')


class AmpUnavailableError(RuntimeError):
    """``--amp`` asked for on a device with no supported autocast."""


def training_device() -> str:
    """The device type MMEngine's runner trains on: 'cuda' if a GPU is
    visible, else 'cpu' (others, e.g. 'mps', as MMEngine reports them)."""
    from mmengine.device import get_device
    return get_device()


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs forward and loss under ``torch.autocast``.

    For bfloat16, whose range equals float32's, so no loss scaling is needed;
    unlike MMEngine's ``AmpOptimWrapper`` it also works on CPU. Parameters,
    gradients and optimizer state stay float32.

    Args:
        dtype: ``'bfloat16'`` (default) or ``'float16'`` (only without
            gradient scaling: use MMEngine's ``AmpOptimWrapper`` for fp16).
        **kwargs: ``OptimWrapper``'s arguments (``optimizer``, ...).
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs):
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError("AutocastOptimWrapper: dtype must be "
                             f"'bfloat16' or 'float16', got {dtype!r}.")
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(
                device_type=device, dtype=self.cast_dtype):
            yield


def select_amp(device: str) -> dict:
    """The optimizer-wrapper settings ``--amp`` selects on ``device``.

    Args:
        device: device type training runs on ('cuda', 'cpu', ...).

    Returns:
        dict with ``type`` (and ``dtype``, ``loss_scale``) to merge into
        ``cfg.optim_wrapper``.

    Raises:
        AmpUnavailableError: neither bf16 nor fp16 autocast applies.
    """
    device = torch.device(device).type
    if device == 'cuda':
        if torch.cuda.is_bf16_supported():
            return dict(type='AutocastOptimWrapper', dtype='bfloat16')
        return dict(type='AmpOptimWrapper', dtype='float16',
                    loss_scale='dynamic')
    if device == 'cpu' and torch.amp.is_autocast_available('cpu'):
        return dict(type='AutocastOptimWrapper', dtype='bfloat16')
    raise AmpUnavailableError(
        f'--amp needs a CUDA GPU or PyTorch CPU autocast, and this run '
        f"trains on '{device}' without either: run without --amp.")


def apply_amp(cfg, device: Optional[str] = None) -> dict:
    """Switch ``cfg.optim_wrapper`` to the mixed precision of
    :func:`select_amp` (``device`` defaults to :func:`training_device`).
    Returns the settings applied."""
    settings = select_amp(device or training_device())
    wrapper = cfg.optim_wrapper
    for key in ('dtype', 'loss_scale'):
        wrapper.pop(key, None)
    wrapper.update(settings)
    return settings


def apply_fused_optimizer(cfg, device: Optional[str] = None) -> bool:
    """Set ``fused=True`` on an Adam / AdamW / SGD optimizer of
    ``cfg.optim_wrapper`` unless the config sets ``fused`` or ``foreach``.

    Returns:
        Whether the optimizer in ``cfg`` is now fused.
    """
    optimizer = cfg.get('optim_wrapper', {}).get('optimizer')
    if not optimizer or optimizer.get('type') not in FUSED_OPTIMIZERS:
        return False
    if 'fused' in optimizer or optimizer.get('foreach') is not None:
        return bool(optimizer.get('fused'))
    device = torch.device(device or training_device()).type
    if device not in ('cuda', 'cpu'):
        return False
    optimizer['fused'] = True
    return True


def apply_compile(cfg, device: Optional[str] = None) -> None:
    """Turn on MMEngine's ``compile`` (``torch.compile`` of train_step).

    Raises:
        ValueError: on CPU, where it was measured slower than eager.
    """
    device = torch.device(device or training_device()).type
    if device != 'cuda':
        raise ValueError(
            '--compile is offered on CUDA GPUs only: on CPU torch.compile '
            'measured slower than eager for these models (README, Speed); '
            'run without --compile.')
    cfg.compile = True
    print_log('torch.compile on: the first iterations compile the model '
              '(minutes).', logger='current', level=logging.INFO)
