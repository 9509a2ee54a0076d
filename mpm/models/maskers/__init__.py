"""Maskers: modules returning (B, T, J) bool masks (True = hidden)."""
from .base import BaseMasker, count_from_ratio, random_subset_mask
from .compose import RandomChoiceMasker, UnionMasker, build_masker
from .pose_maskers import (H36M_BODY_PARTS, H36M_LIMBS, BodyPartMasker,
                           NoMasker, SpatialMasker, SpatioTemporalMasker,
                           TemporalMasker, TimeWindowMasker)

__all__ = [
    'BaseMasker', 'NoMasker', 'SpatialMasker', 'TemporalMasker',
    'SpatioTemporalMasker', 'BodyPartMasker', 'UnionMasker',
    'RandomChoiceMasker', 'build_masker', 'count_from_ratio',
    'random_subset_mask', 'H36M_LIMBS', 'H36M_BODY_PARTS',
    'TimeWindowMasker'
]
from .occlusion import (OCCLUSION_SETTINGS, TABLE3_SETTINGS,  # noqa: E402
                        TABLE4_SETTINGS, OcclusionMasker, sample_seed)

__all__ += ['OcclusionMasker', 'OCCLUSION_SETTINGS', 'TABLE3_SETTINGS',
            'TABLE4_SETTINGS', 'sample_seed']
