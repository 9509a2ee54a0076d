"""Per-frame residual MLP: the spatial half of the shared trunk."""
import torch
from torch import nn

from mpm.models.layers import Dropout
from mpm.registry import TRUNKS


class _LinearBNAct(nn.Module):
    """Linear + BatchNorm + LeakyReLU(0.2) + Dropout on (N, C) rows."""

    def __init__(self, in_dim: int, out_dim: int, dropout: float):
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim, momentum=0.1)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.act(self.bn(self.fc(x))))


class ResidualMLPBlock(nn.Module):
    """Two Linear+BN+LeakyReLU+Dropout layers with an identity skip."""

    def __init__(self, dim: int, dropout: float):
        super().__init__()
        self.layer1 = _LinearBNAct(dim, dim, dropout)
        self.layer2 = _LinearBNAct(dim, dim, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layer2(self.layer1(x))


@TRUNKS.register_module()
class SpatialMLP(nn.Module):
    """Residual MLP applied to each frame independently.

    ``num_blocks`` residual blocks of width ``in_dim`` followed by
    Linear(in_dim -> out_dim). With the defaults (512 -> 256, one block) it has
    658,688 parameters (PAPER_FACTS).

    Shapes: (B, T, in_dim) -> (B, T, out_dim).
    """

    def __init__(self, in_dim: int = 512, out_dim: int = 256,
                 num_blocks: int = 1, dropout: float = 0.25):
        super().__init__()
        self.blocks = nn.Sequential(
            *[ResidualMLPBlock(in_dim, dropout) for _ in range(num_blocks)])
        self.proj = nn.Linear(in_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        return self.proj(self.blocks(x.reshape(B * T, C))).view(B, T, -1)
