"""Dropout whose mask is cheap to draw on CPU.

On CPU, ``torch.nn.functional.dropout`` samples one float Bernoulli per
element; that sampling dominates the cost of dropout (about 20 ms of CPU time
for 2M elements against about 6 ms here) and, summed over the encoder, trunk
and decoder, a large share of a training step of the STMO lifter. Here the
mask comes from random *bytes*: one full-range 64-bit draw gives 8 of them,
and an element is dropped when its byte is below ``round(p * 256)``. The drop
rate is therefore ``p`` rounded to a multiple of 1/256 (0.1 -> 26/256 =
0.1016; 0.25 exactly) and kept elements are scaled by ``1 / (1 - rate)`` so
the expectation is unchanged. The bytes come from torch's default generator:
a seeded run reproduces, and each DDP rank draws its own. On other devices
the regular ``F.dropout`` is used.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


def dropout_rate(p: float) -> float:
    """The drop rate actually applied on CPU for a requested ``p``."""
    return round(p * 256) / 256


def dropout_keep_mask(shape, p: float, dtype: torch.dtype,
                      device: torch.device) -> torch.Tensor:
    """A dropout multiplier: 0 (dropped) or ``1 / (1 - rate)`` (kept).

    Args:
        shape: shape of the tensor to drop elements of, e.g. (B, T, C).
        p: requested drop probability in [0, 1].
        dtype, device: of the returned mask.

    Returns:
        Tensor of ``shape``; its mean is 1 in expectation.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f'dropout probability must be in [0, 1], got {p}')
    threshold = round(p * 256)
    if threshold >= 256:
        return torch.zeros(shape, dtype=dtype, device=device)
    if threshold == 0:
        return torch.ones(shape, dtype=dtype, device=device)
    # One pass from the bytes' comparison to the scaled float mask (``where``
    # with two scalars) instead of a cast and a scaling pass.
    # One pass from the kept/dropped booleans to the scaled float mask
    # (``where`` with two scalars), instead of a cast and a scaling pass.
    keep = random_bytes(shape, device) >= threshold
    return torch.where(keep, torch.tensor(256.0 / (256 - threshold),
                                          dtype=dtype, device=device),
                       torch.tensor(0.0, dtype=dtype, device=device))


def random_bytes(shape, device: torch.device) -> torch.Tensor:
    """Uniform random bytes (uint8 tensor of ``shape``), 8 per 64-bit draw
    of torch's default generator. ``byte < round(p * 256)`` drops with
    probability ``dropout_rate(p)``."""
    numel = math.prod(shape)
    words = torch.empty((numel + 7) // 8, dtype=torch.int64,
                        device=device).random_(-2**63, None)
    return words.view(torch.uint8)[:numel].view(shape)


def uses_byte_mask(device: torch.device) -> bool:
    """The automatic choice of dropout kernel by device: the byte-mask
    dropout on CPU (where float Bernoulli sampling is slow); PyTorch's fused
    dropout (``F.dropout``, SDPA's ``dropout_p``) on GPUs and elsewhere."""
    return torch.device(device).type == 'cpu'


def cheap_dropout(x: torch.Tensor, p: float,
                  training: bool = True) -> torch.Tensor:
    """Functional form of :class:`Dropout` (any shape; same shape out)."""
    if not training or p == 0.0:
        return x
    if not uses_byte_mask(x.device):
        return F.dropout(x, p, training=True)
    return x * dropout_keep_mask(x.shape, p, x.dtype, x.device)


class Dropout(nn.Module):
    """Drop-in replacement for ``nn.Dropout`` with a cheap CPU mask.

    See the module docstring for the rate rounding (multiples of 1/256 on
    CPU). No parameters, so checkpoints are unaffected.

    Args:
        p: drop probability.

    Shapes: any -> same.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'dropout probability must be in [0, 1], got '
                             f'{p}')
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cheap_dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f'p={self.p}'
