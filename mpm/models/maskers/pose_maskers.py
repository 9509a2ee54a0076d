"""Spatial, temporal and spatio-temporal masking of pose sequences."""
from typing import Sequence

import torch

from mpm.registry import MASKERS
from .base import BaseMasker, count_from_ratio, random_subset_mask


def _check_ratio(name: str, ratio: float) -> None:
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f'{name}: frame_ratio must be in [0, 1) so that at '
                         f'least one frame stays visible, got {ratio}')


@MASKERS.register_module()
class NoMasker(BaseMasker):
    """Hide nothing (an all-False mask). Useful to switch masking off.

    Shapes: (B, T, J, C) -> (B, T, J) bool, all False.
    """

    def sample(self, batch_size, num_frames, num_joints, device):
        return torch.zeros(batch_size, num_frames, num_joints,
                           dtype=torch.bool, device=device)


@MASKERS.register_module()
class SpatialMasker(BaseMasker):
    """Tube masking: the same ``num_joints`` joints hidden in every frame.

    The joints are drawn uniformly at random per sample, so every sample of
    the batch hides its own set.

    Args:
        num_joints: joints hidden per sample (``num_joints / J`` of the
            entries; 12 of 17 = 70.6% for the 71.8% comparison of MPM's
            Table B).

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, num_joints: int = 12):
        super().__init__()
        if num_joints < 0:
            raise ValueError(f'SpatialMasker: num_joints must be >= 0, got '
                             f'{num_joints}')
        self.num_joints = num_joints

    def sample(self, batch_size, num_frames, num_joints, device):
        self._check_joints('SpatialMasker', self.num_joints, num_joints)
        joints = random_subset_mask((batch_size, ), num_joints,
                                    self.num_joints, device)
        return joints.unsqueeze(1).expand(-1, num_frames, -1).contiguous()

    def extra_repr(self) -> str:
        return f'num_joints={self.num_joints}'


@MASKERS.register_module()
class TemporalMasker(BaseMasker):
    """Hide ``int(frame_ratio * T)`` whole frames per sample.

    Args:
        frame_ratio: fraction of frames hidden, in [0, 1).

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, frame_ratio: float = 0.718):
        super().__init__()
        _check_ratio('TemporalMasker', frame_ratio)
        self.frame_ratio = frame_ratio

    def sample(self, batch_size, num_frames, num_joints, device):
        frames = random_subset_mask((batch_size, ), num_frames,
                                    count_from_ratio(self.frame_ratio,
                                                     num_frames), device)
        return frames.unsqueeze(-1).expand(-1, -1, num_joints).contiguous()

    def extra_repr(self) -> str:
        return f'frame_ratio={self.frame_ratio}'


@MASKERS.register_module()
class SpatioTemporalMasker(BaseMasker):
    """MPM's default: whole frames hidden, and joints hidden in the others.

    ``int(frame_ratio * T)`` whole frames are hidden; in every remaining frame
    ``num_joints`` joints are hidden, drawn independently per frame (and per
    sample). MPM: 5 joints, 0.6 -> 145 of 243 frames, and 5/17 of the joints
    of the other 98 (71.5% of all entries; the paper's "71.8%" is
    ``0.6 + 0.4 * 5 / 17``). P-STMO: 3 joints, 0.6 (P-STMO); 2 or 7 joints,
    0.8 (P-STMO-S); 2 joints, 0.7 (MPI-INF-3DHP).

    Args:
        num_joints: joints hidden in each frame that is not hidden whole.
        frame_ratio: fraction of whole frames hidden, in [0, 1).

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, num_joints: int = 5, frame_ratio: float = 0.6):
        super().__init__()
        _check_ratio('SpatioTemporalMasker', frame_ratio)
        if num_joints < 0:
            raise ValueError('SpatioTemporalMasker: num_joints must be >= 0, '
                             f'got {num_joints}')
        self.num_joints = num_joints
        self.frame_ratio = frame_ratio

    def sample(self, batch_size, num_frames, num_joints, device):
        self._check_joints('SpatioTemporalMasker', self.num_joints,
                           num_joints)
        frames = random_subset_mask((batch_size, ), num_frames,
                                    count_from_ratio(self.frame_ratio,
                                                     num_frames), device)
        joints = random_subset_mask((batch_size, num_frames), num_joints,
                                    self.num_joints, device)
        return joints | frames.unsqueeze(-1)

    def extra_repr(self) -> str:
        return f'num_joints={self.num_joints}, frame_ratio={self.frame_ratio}'


#: Body parts of the Human3.6M-17 skeleton used by MPM's completion tasks.
H36M_LIMBS = ((1, 2, 3), (4, 5, 6), (11, 12, 13), (14, 15, 16))


@MASKERS.register_module()
class BodyPartMasker(BaseMasker):
    """Tube masking of a whole body part chosen per sample.

    Each sample hides, in every frame, one of ``parts`` drawn uniformly at
    random (e.g. MPM's completion settings: right leg {1, 2, 3}, left leg
    {4, 5, 6}, left arm {11, 12, 13}, right arm {14, 15, 16}).

    Args:
        parts: joint index lists (Human3.6M-17 limbs by default).

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, parts: Sequence[Sequence[int]] = H36M_LIMBS):
        super().__init__()
        self.parts = [[int(j) for j in p] for p in parts]
        if not self.parts or not all(self.parts) or min(
                min(p) for p in self.parts) < 0:
            raise ValueError('BodyPartMasker needs at least one body part, '
                             'each a non-empty list of joint indices >= 0; '
                             f'got {parts}')

    def sample(self, batch_size, num_frames, num_joints, device):
        largest = max(max(p) for p in self.parts)
        if largest >= num_joints:
            raise ValueError(
                f'BodyPartMasker: joint index {largest} in parts '
                f'{self.parts} is out of range for {num_joints} joints')
        table = torch.zeros(len(self.parts), num_joints, dtype=torch.bool)
        for i, part in enumerate(self.parts):
            table[i, part] = True
        choice = torch.randint(len(self.parts), (batch_size, ), device=device)
        joints = table.to(device)[choice]
        return joints.unsqueeze(1).expand(-1, num_frames, -1).contiguous()

    def extra_repr(self) -> str:
        return f'parts={self.parts}'
