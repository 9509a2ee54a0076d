"""Multi-head self-attention on top of ``scaled_dot_product_attention``."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .dropout import Dropout, random_bytes, uses_byte_mask


def attention_with_cheap_dropout(q: torch.Tensor, k: torch.Tensor,
                                 v: torch.Tensor, p: float) -> torch.Tensor:
    """softmax(Q K^T / sqrt(c)) V with dropout on the probabilities.

    On CPU, PyTorch's SDPA with ``dropout_p > 0`` falls back to a path whose
    float Bernoulli sampling costs about 9x the attention itself. Here a
    probability is dropped where a random byte
    (:func:`~mpm.models.layers.dropout.random_bytes`) is below
    ``round(p * 256)``, so the drop rate is ``p`` rounded to a multiple of
    1/256 (0.1 -> 26/256 = 0.1016), and the kept probabilities are rescaled
    by ``1 / (1 - rate)``. The (B, heads, T, T) probabilities are only
    zeroed in place of the dropped entries (``masked_fill``, which keeps a
    one-byte mask for backward); the rescaling is applied to ``v``, T / c
    times smaller: ``(P * M / (1 - rate)) V = (P * M) (V / (1 - rate))``.

    Shapes: q, k, v (B, heads, T, c) -> (B, heads, T, c).
    """
    scores = torch.matmul(q * (1.0 / math.sqrt(q.shape[-1])),
                          k.transpose(-2, -1)).softmax(dim=-1)
    threshold = round(p * 256)
    if threshold >= 256:
        return torch.zeros_like(v)
    if threshold > 0:
        scores = scores.masked_fill(
            random_bytes(scores.shape, scores.device) < threshold, 0.0)
        v = v * (256.0 / (256 - threshold))
    return torch.matmul(scores, v)


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention over tokens (frames).

    Uses one fused ``qkv`` projection and PyTorch's fused SDPA kernel
    (``softmax(Q K^T / sqrt(C / heads)) V``), then an output projection.
    With attention dropout while training on CPU it uses
    :func:`attention_with_cheap_dropout` instead (same result in
    distribution, several times faster there); on GPUs SDPA's fused
    dropout. The choice is automatic, by the input's device
    (:func:`~mpm.models.layers.dropout.uses_byte_mask`).

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
        self.proj_drop = Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        qkv = self.qkv(x).view(B, T, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # (B, heads, T, c)
        drop = self.attn_drop if self.training else 0.0
        if drop > 0 and uses_byte_mask(x.device):
            out = attention_with_cheap_dropout(q, k, v, drop)
        else:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        out = out.transpose(1, 2).reshape(B, T, C)
        return self.proj_drop(self.proj(out))
