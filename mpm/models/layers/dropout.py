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
    numel = math.prod(shape)
    words = torch.empty((numel + 7) // 8, dtype=torch.int64,
                        device=device).random_(-2**63, None)
    random_bytes = words.view(torch.uint8)[:numel].view(shape)
    return (random_bytes >= threshold).to(dtype).mul_(256.0 /
                                                      (256 - threshold))


def cheap_dropout(x: torch.Tensor, p: float,
                  training: bool = True) -> torch.Tensor:
    """Functional form of :class:`Dropout` (any shape; same shape out)."""
    if not training or p == 0.0:
        return x
    if x.device.type != 'cpu':
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
