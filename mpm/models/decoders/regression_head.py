"""Regression head from token features to joint coordinates."""
import torch
from torch import nn

from mpm.registry import DECODERS


@DECODERS.register_module()
class PoseRegressionHead(nn.Module):
    """BatchNorm + Linear(C -> J * out_channels) on every token.

    Used as the centre-frame head of the strided decoder (one token) and as
    the sequence head on every frame of the trunk output. Outputs are
    joint-major (channel = joint * out_channels + coordinate); for 3D heads
    the unit is metres, root-relative.

    Shapes: (B, T, C) -> (B, T, J, out_channels).
    """

    def __init__(self, in_channels: int = 256, num_joints: int = 17,
                 out_channels: int = 3):
        super().__init__()
        self.num_joints = num_joints
        self.out_channels = out_channels
        self.bn = nn.BatchNorm1d(in_channels, momentum=0.1)
        self.fc = nn.Linear(in_channels, num_joints * out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        out = self.fc(self.bn(x.reshape(B * T, C)))
        return out.view(B, T, self.num_joints, self.out_channels)
