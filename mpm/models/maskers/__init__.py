"""Maskers: modules returning (B, T, J) bool masks (True = hidden)."""
from .base import BaseMasker, count_from_ratio, random_subset_mask
from .compose import RandomChoiceMasker, UnionMasker, build_masker
from .pose_maskers import (H36M_LIMBS, BodyPartMasker, NoMasker,
                           SpatialMasker, SpatioTemporalMasker,
                           TemporalMasker)

__all__ = [
    'BaseMasker', 'NoMasker', 'SpatialMasker', 'TemporalMasker',
    'SpatioTemporalMasker', 'BodyPartMasker', 'UnionMasker',
    'RandomChoiceMasker', 'build_masker', 'count_from_ratio',
    'random_subset_mask', 'H36M_LIMBS'
]
