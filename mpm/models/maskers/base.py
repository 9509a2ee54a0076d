"""Base class and sampling helpers of the maskers.

A masker is an ``nn.Module`` called as ``mask = masker(x)`` on a batch of poses
``x`` of shape (B, T, J, C) (2D normalised screen units or 3D root-relative
metres; only the shape and device of ``x`` are used). It returns a bool tensor
(B, T, J) on ``x.device``, True = hidden.

Every masker draws a fresh mask for every sample from torch's global RNG of
``x.device`` (``torch.rand(..., device=x.device)``): a run seeded with
``torch.manual_seed`` (MMEngine's ``randomness.seed``) reproduces its masks
exactly, and every DDP rank, seeded differently by MMEngine, draws its own.
No Python loop runs over samples, frames or joints.
"""
import math

import torch
from torch import nn


def count_from_ratio(ratio: float, total: int) -> int:
    """``int(ratio * total)``, robust to float round-off.

    ``int(0.6 * 243) = 145``; a product that float arithmetic puts just below
    an integer (``0.57 * 100 = 56.999...``) still counts as that integer (57).
    """
    return int(math.floor(ratio * total + 1e-6))


def random_subset_mask(shape: tuple, size: int, num_chosen: int,
                       device: torch.device) -> torch.Tensor:
    """Bool mask (*shape, size) with exactly ``num_chosen`` True entries along
    the last axis, chosen uniformly at random and independently for every
    index of ``shape``.

    Vectorised: ``num_chosen`` largest of i.i.d. uniform noise (a uniformly
    random subset).
    """
    mask = torch.zeros(*shape, size, dtype=torch.bool, device=device)
    if num_chosen <= 0:
        return mask
    if num_chosen >= size:
        return mask.fill_(True)
    noise = torch.rand(*shape, size, device=device)
    index = noise.topk(num_chosen, dim=-1, sorted=False).indices
    return mask.scatter_(-1, index, True)


class BaseMasker(nn.Module):
    """Common input checking; subclasses implement :meth:`sample`.

    Shapes: x (B, T, J, C) -> mask (B, T, J) bool on ``x.device``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        B, T, J, _ = x.shape
        mask = self.sample(B, T, J, x.device)
        if mask.shape != (B, T, J) or mask.dtype != torch.bool:
            raise RuntimeError(
                f'{type(self).__name__}.sample returned {mask.dtype} '
                f'{tuple(mask.shape)}, expected torch.bool {(B, T, J)}')
        return mask

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is a (B, T, J, C) batch."""
        if x.dim() != 4:
            raise ValueError(
                f'{type(self).__name__} expects a batch of poses '
                f'(B, T, J, C), got a tensor of shape {tuple(x.shape)}')

    def sample(self, batch_size: int, num_frames: int, num_joints: int,
               device: torch.device) -> torch.Tensor:
        """Draw a (B, T, J) bool mask (True = hidden) on ``device``."""
        raise NotImplementedError

    @staticmethod
    def _check_joints(name: str, num_hidden: int, num_joints: int) -> None:
        if num_hidden > num_joints:
            raise ValueError(
                f'{name} hides {num_hidden} joints per frame but the poses '
                f'have only {num_joints}; lower num_joints in the config.')
