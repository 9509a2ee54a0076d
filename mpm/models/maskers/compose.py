"""Combining maskers from a config."""
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

from mpm.registry import MASKERS
from .base import BaseMasker


def build_masker(cfg: Union[dict, nn.Module]) -> nn.Module:
    """Build a masker from its config (or return an already built one)."""
    return cfg if isinstance(cfg, nn.Module) else MASKERS.build(cfg)


def _build_all(maskers: Sequence[Union[dict, nn.Module]],
               name: str) -> nn.ModuleList:
    if len(maskers) == 0:
        raise ValueError(f'{name} needs at least one masker config')
    return nn.ModuleList([build_masker(m) for m in maskers])


@MASKERS.register_module()
class UnionMasker(BaseMasker):
    """Hide what any of ``maskers`` hides (logical OR of their masks).

    Example: ``dict(type='UnionMasker', maskers=[dict(type='TemporalMasker',
    frame_ratio=0.5), dict(type='BodyPartMasker')])`` hides half the frames
    and one body part (of the five ActionPose parts) everywhere.

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, maskers: Sequence[Union[dict, nn.Module]]):
        super().__init__()
        self.maskers = _build_all(maskers, 'UnionMasker')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        mask = None
        for masker in self.maskers:
            m = masker(x)
            mask = m if mask is None else mask | m
        return mask


@MASKERS.register_module()
class RandomChoiceMasker(BaseMasker):
    """Each sample uses one of ``maskers``, drawn per sample.

    All maskers are run on the batch and each sample keeps the mask of its
    drawn masker (vectorised; no loop over samples).

    Args:
        maskers: masker configs (or modules).
        probs: probability of each masker; uniform by default.

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, maskers: Sequence[Union[dict, nn.Module]],
                 probs: Optional[Sequence[float]] = None):
        super().__init__()
        self.maskers = _build_all(maskers, 'RandomChoiceMasker')
        if probs is None:
            probs = [1.0] * len(self.maskers)
        if len(probs) != len(self.maskers) or min(probs) < 0 or sum(
                probs) <= 0:
            raise ValueError(
                f'RandomChoiceMasker: probs {list(probs)} must be '
                f'{len(self.maskers)} non-negative numbers with a positive '
                'sum (one per masker)')
        total = float(sum(probs))
        self.probs: List[float] = [p / total for p in probs]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        masks = torch.stack([m(x) for m in self.maskers])  # (M, B, T, J)
        probs = torch.tensor(self.probs, device=x.device)
        choice = torch.multinomial(probs, x.shape[0], replacement=True)
        return masks[choice, torch.arange(x.shape[0], device=x.device)]

    def extra_repr(self) -> str:
        return f'probs={self.probs}'
