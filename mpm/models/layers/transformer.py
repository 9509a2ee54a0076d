"""Pre-norm transformer blocks shared by trunks and decoders."""
from typing import Optional

import torch
from torch import nn

from .attention import MultiHeadSelfAttention
from .dropout import Dropout
from .norm import build_norm


class FeedForward(nn.Module):
    """Token-wise MLP: Linear(C -> H) + ReLU + Dropout + Linear(H -> C) + Dropout.

    Shapes: (B, T, C) -> (B, T, C).
    """

    def __init__(self, embed_dim: int, ffn_dim: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.act = nn.ReLU(inplace=True)
        self.drop = Dropout(dropout)
        self.fc2 = nn.Linear(ffn_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class TransformerLayer(nn.Module):
    """Pre-norm transformer encoder layer.

    ``x = x + Drop(Attn(LN(x)))``; ``x = x + FFN(LN(x))``.

    Args:
        embed_dim: channels C. num_heads: attention heads.
        ffn_dim: hidden width H of the FFN.
        dropout: dropout on residual branches and inside the FFN.
        attn_drop: dropout on attention probabilities.
        norm: ``'layernorm'`` (``nn.LayerNorm``, default) or ``'official'``
            (:class:`~mpm.models.layers.norm.StdNorm`, the official P-STMO /
            MPM numerics); same parameters either way.

    Shapes: (B, T, C) -> (B, T, C).
    """

    def __init__(self, embed_dim: int = 256, num_heads: int = 8,
                 ffn_dim: int = 512, dropout: float = 0.1,
                 attn_drop: Optional[float] = None, norm: str = 'layernorm'):
        super().__init__()
        attn_drop = dropout if attn_drop is None else attn_drop
        self.norm1 = build_norm(norm, embed_dim)
        self.attn = MultiHeadSelfAttention(embed_dim, num_heads, attn_drop,
                                           proj_drop=dropout)
        self.norm2 = build_norm(norm, embed_dim)
        self.ffn = FeedForward(embed_dim, ffn_dim, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))
