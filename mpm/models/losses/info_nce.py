"""Symmetric InfoNCE (CLIP-style contrastive loss) with a learnable
temperature."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from mpm.registry import LOSSES


def soft_target_cross_entropy(logits: torch.Tensor,
                              positives: torch.Tensor) -> torch.Tensor:
    """Mean over rows with >= 1 positive of ``-sum_j t_ij log softmax_j``.

    ``t_ij`` is uniform over the positives of row i (``positives[i, j]``
    True), so a row with one positive is the usual cross-entropy and a row
    with several positives averages their log-probabilities (SupCon's
    "L_out"). Rows without any positive are left out; the result is 0 (with
    a gradient path) when no row has a positive.

    Shapes: logits (N, M) float, positives (N, M) bool -> scalar.
    """
    pos = positives.to(logits.dtype)
    counts = pos.sum(dim=1)
    rows = counts > 0
    if not rows.any():
        return logits.sum() * 0
    log_prob = logits.log_softmax(dim=1)
    per_row = -(pos * log_prob).sum(dim=1)[rows] / counts[rows]
    return per_row.mean()


@LOSSES.register_module()
class InfoNCELoss(nn.Module):
    """Symmetric InfoNCE between two sets of embeddings.

    ``logits = s * normalize(a) @ normalize(b).T`` with the logit scale
    ``s = 1 / temperature``; the loss is the mean of the a -> b
    cross-entropy (rows, over the M entries of ``b``) and the b -> a
    cross-entropy (columns, over the N entries of ``a``), each with targets
    uniform over the positives (:func:`soft_target_cross_entropy`).

    The scale is stored as ``log_scale = log(1 / temperature)`` (a learnable
    ``nn.Parameter`` with ``learnable_temperature=True``, a buffer
    otherwise) and clamped to ``[min_logit_scale, max_logit_scale]`` in the
    forward pass (CLIP: init 1 / 0.07, max 100).

    Args:
        temperature: initial temperature (> 0).
        learnable_temperature: learn the scale.
        min_logit_scale, max_logit_scale: clamp range of ``s``.
        loss_weight: multiplier of the loss.

    Shapes: a (N, D), b (M, D) (any scale; L2-normalised here), positives
    (N, M) bool, default the identity (needs N == M: pairs a_i <-> b_i).
    Returns a scalar.
    """

    def __init__(self, temperature: float = 0.07,
                 learnable_temperature: bool = True,
                 min_logit_scale: float = 1.0,
                 max_logit_scale: float = 100.0,
                 loss_weight: float = 1.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'InfoNCELoss: temperature must be > 0, got '
                             f'{temperature}')
        if not 0 < min_logit_scale <= max_logit_scale:
            raise ValueError(
                'InfoNCELoss: need 0 < min_logit_scale <= max_logit_scale, '
                f'got {min_logit_scale} and {max_logit_scale}')
        init = torch.tensor(math.log(1.0 / temperature))
        if learnable_temperature:
            self.log_scale = nn.Parameter(init)
        else:
            self.register_buffer('log_scale', init)
        self.min_logit_scale = min_logit_scale
        self.max_logit_scale = max_logit_scale
        self.loss_weight = loss_weight

    @property
    def logit_scale(self) -> torch.Tensor:
        """The clamped scale ``s = 1 / temperature`` (scalar tensor)."""
        return self.log_scale.clamp(math.log(self.min_logit_scale),
                                    math.log(self.max_logit_scale)).exp()

    def logits(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Scaled cosine similarities (N, M) of a (N, D) and b (M, D)."""
        if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
            raise ValueError(
                f'InfoNCELoss: expected embeddings (N, D) and (M, D) with the '
                f'same D, got {tuple(a.shape)} and {tuple(b.shape)}')
        scale = self.logit_scale.to(a.dtype)
        return scale * F.normalize(a, dim=1) @ F.normalize(b, dim=1).t()

    def forward(self, a: torch.Tensor, b: torch.Tensor,
                positives: Optional[torch.Tensor] = None) -> torch.Tensor:
        logits = self.logits(a, b)
        if positives is None:
            if a.shape[0] != b.shape[0]:
                raise ValueError(
                    f'InfoNCELoss: without `positives` the pairs are (a_i, '
                    f'b_i) and N must equal M, got {a.shape[0]} and '
                    f'{b.shape[0]}; pass a (N, M) bool positives matrix')
            positives = torch.eye(a.shape[0], dtype=torch.bool,
                                  device=a.device)
        elif positives.shape != logits.shape:
            raise ValueError(
                f'InfoNCELoss: positives {tuple(positives.shape)} must be '
                f'(N, M) = {tuple(logits.shape)}')
        positives = positives.bool()
        loss = 0.5 * (soft_target_cross_entropy(logits, positives) +
                      soft_target_cross_entropy(logits.t(), positives.t()))
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'temperature={1.0 / self.logit_scale.item():.4f}, '
                f'learnable={isinstance(self.log_scale, nn.Parameter)}')
