"""Mean per-joint position error as a training loss."""
from typing import Optional

import torch
from torch import nn

from mpm.registry import LOSSES


@LOSSES.register_module()
class MPJPELoss(nn.Module):
    """Mean Euclidean distance between predicted and target joints.

    Args:
        loss_weight: multiplier of the loss.

    Shapes: pred, target (..., J, C) in the same unit (metres for 3D,
    normalised screen units for 2D); optional ``weight`` (..., J) selects or
    weights joints (e.g. only masked ones). Returns a scalar.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'MPJPELoss: prediction {tuple(pred.shape)} and '
                             f'target {tuple(target.shape)} differ in shape')
        dist = torch.linalg.vector_norm(pred - target, dim=-1)
        if weight is None:
            return self.loss_weight * dist.mean()
        weight = weight.to(dist.dtype)
        return self.loss_weight * (dist * weight).sum() / weight.sum().clamp(
            min=1e-8)
