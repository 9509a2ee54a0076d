"""Masked encoding shared by the masked-modeling algorithms (MAE style).

Used by ``MaskedPoseModeling``, ``ActionPosePretrain``,
``LiftingCompletion`` and ``ReconstructionCompletion``: hidden joints get a
learnable mask vector (:func:`new_mask_vector`, :func:`apply_mask_vector`),
wholly hidden frames are dropped before the trunk
(:func:`visible_frame_index`, :func:`gather_frames`) and the trunk runs on the
visible frames only (:func:`encode_masked`).
"""
from typing import Optional, Tuple

import torch
from torch import nn


def visible_frame_index(mask: torch.Tensor) -> Optional[torch.Tensor]:
    """Frames the temporal trunk keeps, in time order.

    A frame is *hidden* when all its joints are masked. Every sample keeps
    the same number of frames so the batch stays rectangular: ``n_drop`` =
    the smallest number of hidden frames of any sample; a sample with more
    hidden frames keeps its earliest extra ones (they reach the trunk as
    frames of mask vectors) and drops the rest. For fixed-count maskers such
    as ``TemporalMasker`` / ``SpatioTemporalMasker`` every sample drops
    exactly its hidden frames.

    Args:
        mask: (B, T, J) bool, True = hidden.

    Returns:
        (B, T - n_drop) long frame indices, increasing along each row, or
        ``None`` when no frame can be dropped.
    """
    hidden = mask.all(dim=-1)  # (B, T)
    num_drop = int(hidden.sum(dim=1).min())
    if num_drop == 0:
        return None
    T = mask.shape[1]
    if num_drop >= T:
        raise ValueError('every frame of a sample is hidden: the masker must '
                         'leave at least one frame visible')
    # Stable sort: visible frames first (time order), then hidden ones.
    order = torch.sort(hidden.to(torch.uint8), dim=1, stable=True).indices
    return order[:, :T - num_drop].sort(dim=1).values


def apply_mask_vector(x: torch.Tensor, mask: torch.Tensor,
                      vector: torch.Tensor) -> torch.Tensor:
    """Write the learnable ``vector`` (C,) into the hidden joints.

    Shapes: x (B, T, J, C), mask (B, T, J) bool -> (B, T, J, C).
    """
    if mask.shape != x.shape[:3]:
        raise ValueError(f'mask {tuple(mask.shape)} does not match the poses '
                         f'{tuple(x.shape)} (B, T, J, C)')
    return torch.where(mask.unsqueeze(-1), vector.to(x.dtype), x)


def gather_frames(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b]]`` for every sample: (B, T, ...) -> (B, T_sel, ...)."""
    expanded = index.view(*index.shape, *([1] * (x.dim() - 2))).expand(
        -1, -1, *x.shape[2:])
    return torch.gather(x, 1, expanded)


def encode_masked(encoder: nn.Module, trunk: nn.Module, x: torch.Tensor,
                  mask: torch.Tensor, mask_vector: torch.Tensor,
                  drop_frames: bool = True
                  ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Masked poses -> trunk tokens of the visible frames (MAE style).

    1. hidden joints get ``mask_vector``;
    2. with ``drop_frames``, hidden frames (:func:`visible_frame_index`) are
       removed *before* the per-frame encoder and spatial MLP, so no
       computation (and no BatchNorm statistic) is spent on them;
    3. the temporal transformer adds its positional embedding at each kept
       frame's original time index and runs on the kept frames only.

    ``trunk`` must have ``spatial`` and ``temporal`` parts (``PoseTrunk``)
    when frames are dropped. The spatial features of the kept frames are
    scattered into a zero (B, T, C) tensor and the temporal transformer,
    given ``visible_index``, adds the positional embedding to all frames and
    keeps the visible ones: the zero rows never reach a layer.

    Args:
        encoder: per-frame pose encoder, (B, T, J, C) -> (B, T, D).
        trunk: ``PoseTrunk``.
        x: (B, T, J, C) poses. mask: (B, T, J) bool, True = hidden.
        mask_vector: (C,) learnable vector.
        drop_frames: drop hidden frames before the temporal trunk.

    Returns:
        tokens (B, T_vis, C_trunk) and ``visible_index`` (B, T_vis) long, or
        tokens (B, T, C_trunk) and ``None`` when nothing is dropped.
    """
    x = apply_mask_vector(x, mask, mask_vector)
    visible_index = visible_frame_index(mask) if drop_frames else None
    if visible_index is None:
        return trunk(encoder(x)), None
    if not (hasattr(trunk, 'spatial') and hasattr(trunk, 'temporal')):
        raise TypeError(
            f'dropping hidden frames needs a trunk with `spatial` and '
            f'`temporal` parts (PoseTrunk), got {type(trunk).__name__}; '
            'set drop_frames=False to run it on all frames')
    features = trunk.spatial(encoder(gather_frames(x, visible_index)))
    B, T = x.shape[:2]
    full = features.new_zeros(B, T, features.shape[-1]).scatter(
        1, visible_index.unsqueeze(-1).expand(-1, -1, features.shape[-1]),
        features)
    return trunk.temporal(full, visible_index), visible_index


def new_mask_vector(channels: int) -> nn.Parameter:
    """A learnable mask vector (C,) for the hidden joints of (B, T, J, C)
    poses, drawn from a truncated normal with std 0.02 (MAE's mask token
    initialisation); give it to :func:`apply_mask_vector`."""
    p = nn.Parameter(torch.zeros(channels))
    nn.init.trunc_normal_(p, std=0.02)
    return p


def seen_frames(mask: torch.Tensor,
                visible_index: Optional[torch.Tensor] = None) -> torch.Tensor:
    """(B, T', ) bool: which of the trunk's tokens come from a frame with at
    least one visible joint. ``mask`` (B, T, J) bool, True = hidden;
    ``visible_index`` (B, T') from :func:`encode_masked` (None: T' = T,
    nothing dropped)."""
    seen = ~mask.all(dim=-1)
    if visible_index is not None:
        seen = torch.gather(seen, 1, visible_index)
    return seen


def trunk_width(encoder: nn.Module, trunk: nn.Module, num_frames: int) -> int:
    """Channels C of the trunk's tokens: the temporal part's positional
    embedding when it has one, else one probe pass of a zero (1, num_frames,
    J, C_in) pose through ``encoder`` and ``trunk`` (in eval mode, no
    gradient; their modes are restored)."""
    pos_embed = getattr(getattr(trunk, 'temporal', None), 'pos_embed', None)
    if pos_embed is not None:
        return int(pos_embed.shape[-1])
    modes = encoder.training, trunk.training
    encoder.eval()
    trunk.eval()
    with torch.no_grad():
        probe = torch.zeros(1, num_frames, encoder.num_joints,
                            encoder.in_channels)
        width = trunk(encoder(probe)).shape[-1]
    encoder.train(modes[0])
    trunk.train(modes[1])
    return int(width)
