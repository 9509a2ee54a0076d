"""Per-frame pose encoder (no temporal mixing)."""
import torch
from torch import nn

from mpm.models.layers import Dropout
from mpm.registry import ENCODERS


@ENCODERS.register_module()
class PoseEncoder(nn.Module):
    """Embed each frame's pose: Linear(J*C -> D) + BatchNorm + LeakyReLU(0.2) + Dropout.

    C = 2 for 2D poses (normalised screen coordinates), 3 for 3D poses
    (root-relative metres). The joints of a frame are flattened joint-major
    (index = joint * C + coordinate).

    Args:
        num_joints: J. in_channels: C. embed_dim: D (512 in the papers).
        dropout: dropout probability after the activation.

    Shapes: (B, T, J, C) -> (B, T, D).
    """

    def __init__(self, num_joints: int = 17, in_channels: int = 2,
                 embed_dim: int = 512, dropout: float = 0.25):
        super().__init__()
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.fc = nn.Linear(num_joints * in_channels, embed_dim)
        self.bn = nn.BatchNorm1d(embed_dim, momentum=0.1)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, J, C = x.shape
        if (J, C) != (self.num_joints, self.in_channels):
            raise ValueError(
                f'{type(self).__name__} expects poses with {self.num_joints} '
                f'joints x {self.in_channels} channels, got (B={B}, T={T}, '
                f'J={J}, C={C}). Check num_joints/in_channels in the config.')
        x = self.fc(x.reshape(B * T, J * C))
        return self.drop(self.act(self.bn(x))).view(B, T, -1)
