"""The shared trunk: spatial MLP then temporal transformer."""
from typing import Optional

import torch
from torch import nn

from mpm.registry import TRUNKS


@TRUNKS.register_module()
class PoseTrunk(nn.Module):
    """Spatial MLP (per frame) followed by the temporal transformer.

    This is the part MPM shares between its 2D and 3D branches and transfers
    from stage I to stage II.

    Args:
        spatial: config of the per-frame module (e.g. ``SpatialMLP``).
        temporal: config of the temporal module (e.g. ``TemporalTransformer``).

    Shapes: (B, T, D_enc) [+ visible_index (B, T_vis)] -> (B, T or T_vis, C).
    """

    def __init__(self, spatial: dict, temporal: dict):
        super().__init__()
        self.spatial = TRUNKS.build(spatial)
        self.temporal = TRUNKS.build(temporal)

    def forward(self, x: torch.Tensor,
                visible_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.temporal(self.spatial(x), visible_index)
