"""Token normalisation layers, selected by name.

``'layernorm'`` is :class:`torch.nn.LayerNorm` (biased variance, ``eps``
inside the square root) and is the default everywhere. ``'official'`` is
:class:`StdNorm`, the normalisation of the official P-STMO / MPM code
(unbiased standard deviation, ``eps`` added to the std); it is only needed to
reproduce released checkpoints exactly (``compat='official'``).
"""
from typing import Callable, Dict

import torch
from torch import nn


class StdNorm(nn.Module):
    """``weight * (x - mean) / (std + eps) + bias`` over the last dim.

    ``std`` is the *unbiased* standard deviation (divides by C - 1) and
    ``eps`` is added to the std, not to the variance: the numerics of the
    official P-STMO / MPM implementations. The parameters are named like
    :class:`torch.nn.LayerNorm`'s (``weight`` = the official ``a_2``,
    ``bias`` = ``b_2``) so both norms give the same state-dict keys.

    Args:
        num_features: C, the size of the last dimension.
        eps: added to the std (1e-6 in the official code).

    Shapes: (..., C) -> (..., C).
    """

    def __init__(self, num_features: int, eps: float = 1e-6):
        super().__init__()
        if num_features < 2:
            raise ValueError('StdNorm needs at least 2 features for an '
                             f'unbiased std, got num_features={num_features}')
        self.num_features = num_features
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)  # unbiased (correction=1)
        return self.weight * (x - mean) / (std + self.eps) + self.bias

    def extra_repr(self) -> str:
        return f'{self.num_features}, eps={self.eps}, unbiased std'


#: Norm layers by name: ``name -> factory(num_features)``.
NORM_LAYERS: Dict[str, Callable[[int], nn.Module]] = {
    'layernorm': nn.LayerNorm,
    'official': StdNorm,
}


def build_norm(name: str, num_features: int) -> nn.Module:
    """Build the norm layer called ``name`` over ``num_features`` channels.

    Args:
        name: a key of :data:`NORM_LAYERS`: ``'layernorm'`` (default
            numerics) or ``'official'`` (:class:`StdNorm`).
        num_features: C.

    Returns:
        A module mapping (..., C) -> (..., C) with parameters ``weight`` and
        ``bias`` of shape (C,).
    """
    if name not in NORM_LAYERS:
        raise ValueError(f"Unknown norm '{name}': choose one of "
                         f'{sorted(NORM_LAYERS)}.')
    return NORM_LAYERS[name](num_features)
