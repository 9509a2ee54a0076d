"""Horizontal flip of keypoints as batched tensor ops."""
from typing import Sequence

import torch


def flip_keypoints(keypoints: torch.Tensor,
                   flip_indices: Sequence[int]) -> torch.Tensor:
    """Mirror poses horizontally: negate x and swap left/right joints.

    Valid for normalised screen coordinates (centred at 0) and for
    root-relative camera-frame 3D poses.

    Shapes: (..., J, C) -> (..., J, C); ``flip_indices`` has length J.
    """
    index = torch.as_tensor(flip_indices, device=keypoints.device)
    flipped = keypoints.index_select(-2, index)
    sign = torch.ones(keypoints.shape[-1], dtype=keypoints.dtype,
                      device=keypoints.device)
    sign[0] = -1
    return flipped * sign
