"""Spatial, temporal and spatio-temporal masking of pose sequences."""
from typing import List, Mapping, Optional, Sequence, Tuple, Union

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


#: Limbs of the Human3.6M-17 skeleton used by MPM's completion tasks:
#: right leg, left leg, left arm, right arm.
H36M_LIMBS = ((1, 2, 3), (4, 5, 6), (11, 12, 13), (14, 15, 16))

#: ActionPose's five body parts of the Human3.6M-17 skeleton (name -> joint
#: indices); together they cover all 17 joints exactly once.
H36M_BODY_PARTS = {
    'left_arm': (11, 12, 13),
    'right_arm': (14, 15, 16),
    'left_leg': (4, 5, 6),
    'right_leg': (1, 2, 3),
    'torso_head': (0, 7, 8, 9, 10),
}


def _named_parts(parts) -> Tuple[List[str], List[List[int]]]:
    """(names, joint lists) of ``parts``: a dict name -> joints, or a
    sequence of joint lists (named ``part0``, ``part1``, ...)."""
    if parts is None:
        parts = H36M_BODY_PARTS
    if isinstance(parts, Mapping):
        names, joints = list(parts), list(parts.values())
    else:
        joints = list(parts)
        names = [f'part{i}' for i in range(len(joints))]
    try:
        joints = [[int(j) for j in p] for p in joints]
    except TypeError:
        raise ValueError('BodyPartMasker: parts must be a dict name -> joint '
                         'indices or a list of joint-index lists, e.g. '
                         f'[(1, 2, 3), (4, 5, 6)]; got {parts!r}') from None
    if not joints or not all(joints) or min(min(p) for p in joints) < 0:
        raise ValueError('BodyPartMasker needs at least one body part, '
                         'each a non-empty list of joint indices >= 0; '
                         f'got {parts!r}')
    return names, joints


@MASKERS.register_module()
class BodyPartMasker(BaseMasker):
    """Tube masking of whole body parts chosen per sample.

    Each sample hides, in every frame, all joints of ``num_parts`` distinct
    parts drawn uniformly at random from ``parts`` (ActionPose's five parts
    of Human3.6M-17 by default: left arm, right arm, left leg, right leg,
    torso + head; see :data:`H36M_BODY_PARTS`). MPM's completion settings
    use ``parts=H36M_LIMBS`` (right leg {1, 2, 3}, left leg {4, 5, 6},
    left arm {11, 12, 13}, right arm {14, 15, 16}). Parts that share joints
    hide their union.

    Vectorised: the parts of each sample are the ``num_parts`` first entries
    of the argsort of i.i.d. uniform keys (a uniformly random subset).

    Args:
        num_parts: parts hidden per sample, 1 <= num_parts <= len(parts).
        parts: dict name -> joint indices, or a list of joint-index lists;
            ``None`` = :data:`H36M_BODY_PARTS`.

    Shapes: (B, T, J, C) -> (B, T, J) bool, constant over T.
    """

    def __init__(self, num_parts: int = 1,
                 parts: Optional[Union[Mapping[str, Sequence[int]],
                                       Sequence[Sequence[int]]]] = None):
        super().__init__()
        if isinstance(num_parts, bool) or not isinstance(num_parts, int):
            raise ValueError(
                'BodyPartMasker: num_parts must be an int (parts hidden per '
                f'sample), got {num_parts!r}; pass joint lists as '
                'BodyPartMasker(parts=[...])')
        self.part_names, self.parts = _named_parts(parts)
        if not 1 <= num_parts <= len(self.parts):
            raise ValueError(
                f'BodyPartMasker: num_parts={num_parts} must be in '
                f'1..{len(self.parts)} (the number of parts)')
        self.num_parts = num_parts

    def part_table(self, num_joints: int) -> torch.Tensor:
        """(P, J) bool: row p marks the joints of part p."""
        largest = max(max(p) for p in self.parts)
        if largest >= num_joints:
            raise ValueError(
                f'BodyPartMasker: joint index {largest} in parts '
                f'{self.parts} is out of range for {num_joints} joints')
        table = torch.zeros(len(self.parts), num_joints, dtype=torch.bool)
        for i, part in enumerate(self.parts):
            table[i, part] = True
        return table

    def sample(self, batch_size, num_frames, num_joints, device):
        table = self.part_table(num_joints).to(device)
        keys = torch.rand(batch_size, len(self.parts), device=device)
        chosen = keys.argsort(dim=1)[:, :self.num_parts]  # (B, n) distinct
        joints = table[chosen].any(dim=1)  # (B, J)
        return joints.unsqueeze(1).expand(-1, num_frames, -1).contiguous()

    def extra_repr(self) -> str:
        return (f'num_parts={self.num_parts}, '
                f'parts={dict(zip(self.part_names, self.parts))}')


@MASKERS.register_module()
class TimeWindowMasker(BaseMasker):
    """Hide one contiguous window of ``int(frame_ratio * T)`` whole frames.

    The window start is drawn uniformly per sample from ``0 .. T - W``
    (vectorised), so every sample hides frames ``[s, s + W)``.

    Args:
        frame_ratio: fraction of frames hidden, in [0, 1).

    Shapes: (B, T, J, C) -> (B, T, J) bool.
    """

    def __init__(self, frame_ratio: float = 0.5):
        super().__init__()
        _check_ratio('TimeWindowMasker', frame_ratio)
        self.frame_ratio = frame_ratio

    def sample(self, batch_size, num_frames, num_joints, device):
        width = count_from_ratio(self.frame_ratio, num_frames)
        start = (torch.rand(batch_size, 1, device=device) *
                 (num_frames - width + 1)).long().clamp(max=num_frames - width)
        t = torch.arange(num_frames, device=device).unsqueeze(0)
        frames = (t >= start) & (t < start + width)  # (B, T)
        return frames.unsqueeze(-1).expand(-1, -1, num_joints).contiguous()

    def extra_repr(self) -> str:
        return f'frame_ratio={self.frame_ratio}'
