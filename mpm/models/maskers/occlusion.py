"""Named occlusion settings of MPM's pose completion (Tables 3 and 4).

Each setting hides a set of joints in *every* frame of a window (tube
masking, no temporal masking):

- fixed body parts (Human3.6M-17 order): ``right_leg`` {1, 2, 3},
  ``left_leg`` {4, 5, 6}, ``left_arm`` {11, 12, 13}, ``right_arm``
  {14, 15, 16} (Table 4, partial 3D -> 3D) and ``both_legs`` {1..6},
  ``both_arms`` {11..16}, ``left_leg_arm`` {4, 5, 6, 11, 12, 13},
  ``right_leg_arm`` {1, 2, 3, 14, 15, 16} (Table 3, partial 2D -> 3D);
- ``random_1`` / ``random_2``: 1 or 2 joints drawn per sample (Table 3).

:class:`OcclusionMasker` draws from torch's global RNG like every masker
(training), or from a given ``torch.Generator`` / one seed per sample
(evaluation: the same masks in every run, whatever the batch size).
"""
import zlib
from collections import OrderedDict
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import torch

from mpm.registry import MASKERS
from .base import BaseMasker

#: Fixed occlusion settings: name -> hidden joints (Human3.6M-17 order).
OCCLUSION_PARTS: 'OrderedDict[str, Tuple[int, ...]]' = OrderedDict(
    right_leg=(1, 2, 3),
    left_leg=(4, 5, 6),
    left_arm=(11, 12, 13),
    right_arm=(14, 15, 16),
    both_legs=(1, 2, 3, 4, 5, 6),
    both_arms=(11, 12, 13, 14, 15, 16),
    left_leg_arm=(4, 5, 6, 11, 12, 13),
    right_leg_arm=(1, 2, 3, 14, 15, 16),
)

#: Random occlusion settings: name -> number of joints drawn per sample.
OCCLUSION_RANDOM: 'OrderedDict[str, int]' = OrderedDict(random_1=1,
                                                        random_2=2)

#: Every named setting, in table order (Table 4's limbs, then Table 3).
OCCLUSION_SETTINGS: Tuple[str, ...] = tuple(OCCLUSION_PARTS) + tuple(
    OCCLUSION_RANDOM)

#: MPM Table 3 rows (partial 2D -> 3D), in the paper's order.
TABLE3_SETTINGS: Tuple[str, ...] = ('random_1', 'random_2', 'both_legs',
                                    'both_arms', 'left_leg_arm',
                                    'right_leg_arm')

#: MPM Table 4 rows (partial 3D -> 3D), in the paper's order.
TABLE4_SETTINGS: Tuple[str, ...] = ('right_leg', 'left_leg', 'left_arm',
                                    'right_arm')


def sample_seed(base_seed: int, setting: str, meta: Optional[Mapping] = None,
                index: int = 0) -> int:
    """A 63-bit seed for one evaluation sample's occlusion mask.

    Derived from ``base_seed``, the setting name and the sample's ``meta``
    (subject, sequence, camera, frame, ...: every key, sorted), so a window
    gets the same mask in every run, whatever the batch size, order or
    number of ranks. Without meta (an empty dict or None) the position
    ``index`` of the sample in its batch is used instead (then the masks
    depend on the batching).

    Args:
        base_seed: the run's evaluation seed.
        setting: occlusion setting name.
        meta: the sample's meta dict (values printed with ``str``).
        index: fallback key, the sample's position in the batch.

    Returns:
        int in [0, 2**63).
    """
    if meta:
        key = '|'.join(f'{k}={meta[k]}' for k in sorted(meta))
    else:
        key = f'#{int(index)}'
    text = f'{setting}|{key}'.encode('utf-8')
    low = zlib.crc32(text)
    high = zlib.crc32(text[::-1] + b'#')
    return ((high << 32 | low) ^ (int(base_seed) * 0x9E3779B97F4A7C15)) & (
        (1 << 63) - 1)


@MASKERS.register_module()
class OcclusionMasker(BaseMasker):
    """Tube masking of one named occlusion setting.

    Fixed settings hide the same joints in every frame of every sample;
    ``random_1`` / ``random_2`` hide 1 / 2 joints drawn per sample among
    ``candidates`` (all joints by default), the same in every frame.

    Args:
        setting: a name of :data:`OCCLUSION_SETTINGS`.
        joints: optional explicit hidden joints (overrides the setting's
            table entry; ``setting`` is then only a name, e.g. ``'head'``).
        candidates: joints the random settings draw from (default: all).

    Shapes: x (B, T, J, C) -> (B, T, J) bool, True = hidden. Only the shape
    and device of ``x`` are used.

    Call as ``masker(x)`` (global RNG of ``x.device``), ``masker(x,
    generator=g)`` (draws on ``g``'s device, then moved to ``x.device``) or
    ``masker.seeded(x, seeds)`` (one seed per sample, see
    :func:`sample_seed`).
    """

    def __init__(self, setting: str,
                 joints: Optional[Sequence[int]] = None,
                 candidates: Optional[Sequence[int]] = None):
        super().__init__()
        self.setting = str(setting)
        self.num_random = 0
        if joints is not None:
            self.joints = tuple(int(j) for j in joints)
            if not self.joints or min(self.joints) < 0:
                raise ValueError(
                    f"OcclusionMasker('{setting}'): joints must be a "
                    f'non-empty list of indices >= 0, got {joints}')
        elif self.setting in OCCLUSION_PARTS:
            self.joints = OCCLUSION_PARTS[self.setting]
        elif self.setting in OCCLUSION_RANDOM:
            self.joints = ()
            self.num_random = OCCLUSION_RANDOM[self.setting]
        else:
            raise ValueError(
                f"Unknown occlusion setting '{setting}': use one of "
                f'{list(OCCLUSION_SETTINGS)} or give `joints` explicitly')
        self.candidates = (None if candidates is None else tuple(
            int(j) for j in candidates))
        if self.candidates is not None and len(
                self.candidates) < self.num_random:
            raise ValueError(
                f"OcclusionMasker('{setting}') draws {self.num_random} "
                f'joints but only {len(self.candidates)} candidates were '
                f'given: {list(self.candidates)}')

    @property
    def is_random(self) -> bool:
        """True for the settings that draw their joints per sample."""
        return self.num_random > 0

    def forward(self, x: torch.Tensor,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
        self.check_input(x)
        B, T, J, _ = x.shape
        return self.sample(B, T, J, x.device, generator)

    def seeded(self, x: torch.Tensor, seeds: Sequence[int]) -> torch.Tensor:
        """Masks drawn from one CPU ``torch.Generator`` per sample.

        Args:
            x: (B, T, J, C) poses.
            seeds: B integer seeds (e.g. from :func:`sample_seed`).

        Returns:
            (B, T, J) bool on ``x.device``; sample ``b`` depends only on
            ``seeds[b]``.
        """
        self.check_input(x)
        B, T, J, _ = x.shape
        if len(seeds) != B:
            raise ValueError(f'OcclusionMasker.seeded: got {len(seeds)} '
                             f'seeds for a batch of {B} samples')
        if not self.is_random:
            return self.sample(B, T, J, x.device)
        rows = [
            self._joint_rows(1, J, torch.Generator().manual_seed(int(s)),
                             torch.device('cpu')) for s in seeds
        ]
        joints = torch.cat(rows).to(x.device)
        return joints.unsqueeze(1).expand(-1, T, -1).contiguous()

    def sample(self, batch_size: int, num_frames: int, num_joints: int,
               device: Union[str, torch.device],
               generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """(B, T, J) bool mask on ``device``, the same joints in all frames."""
        if generator is not None:
            rows = self._joint_rows(batch_size, num_joints, generator,
                                    generator.device).to(device)
        else:
            rows = self._joint_rows(batch_size, num_joints, None, device)
        return rows.unsqueeze(1).expand(-1, num_frames, -1).contiguous()

    def _joint_rows(self, batch_size: int, num_joints: int,
                    generator: Optional[torch.Generator],
                    device: Any) -> torch.Tensor:
        """(B, J) bool: the hidden joints of each sample."""
        rows = torch.zeros(batch_size, num_joints, dtype=torch.bool,
                           device=device)
        if not self.is_random:
            if max(self.joints) >= num_joints:
                raise ValueError(
                    f"OcclusionMasker('{self.setting}') hides joints "
                    f'{list(self.joints)} but the poses have only '
                    f'{num_joints} joints')
            rows[:, list(self.joints)] = True
            return rows
        candidates = (torch.arange(num_joints) if self.candidates is None
                      else torch.tensor(self.candidates))
        if int(candidates.max()) >= num_joints:
            raise ValueError(
                f"OcclusionMasker('{self.setting}'): candidate joint "
                f'{int(candidates.max())} is out of range for {num_joints} '
                'joints')
        self._check_joints(f"OcclusionMasker('{self.setting}')",
                           self.num_random, len(candidates))
        noise = torch.rand(batch_size, len(candidates), generator=generator,
                           device=device)
        pick = noise.topk(self.num_random, dim=-1).indices
        return rows.scatter_(-1, candidates.to(device)[pick], True)

    def extra_repr(self) -> str:
        if self.is_random:
            return f"setting='{self.setting}', num_random={self.num_random}"
        return f"setting='{self.setting}', joints={list(self.joints)}"
