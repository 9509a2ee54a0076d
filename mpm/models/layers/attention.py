"""Multi-head self-attention on top of ``scaled_dot_product_attention``."""
import torch
import torch.nn.functional as F
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention over tokens (frames).

    Uses one fused ``qkv`` projection and PyTorch's fused SDPA kernel
    (``softmax(Q K^T / sqrt(C / heads)) V``), then an output projection.

    Args:
        embed_dim: channels C.
        num_heads: number of heads; C must be divisible by it.
        attn_drop: dropout on the attention probabilities (training only).
        proj_drop: dropout after the output projection.

    Shapes: (B, T, C) -> (B, T, C).
    """

    def __init__(self, embed_dim: int, num_heads: int = 8,
                 attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f'embed_dim={embed_dim} is not divisible by '
                             f'num_heads={num_heads}')
        self.num_heads = num_heads
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        qkv = self.qkv(x).view(B, T, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # (B, heads, T, c)
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.0)
        out = out.transpose(1, 2).reshape(B, T, C)
        return self.proj_drop(self.proj(out))
