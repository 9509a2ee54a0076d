"""Temporal transformer: the temporal half of the shared trunk."""
from typing import Optional

import torch
from torch import nn

from mpm.models.layers import build_norm, Dropout, TransformerLayer
from mpm.registry import TRUNKS


@TRUNKS.register_module()
class TemporalTransformer(nn.Module):
    """Pre-norm transformer over frames with a learnable positional embedding.

    The positional embedding (1, F, C) is added to all frames first; if
    ``visible_index`` is given, only those frames are kept (MAE-style frame
    dropping in masked pre-training) before the layers run.

    Args:
        num_frames: F, the window length the embedding covers.
        embed_dim: C (256). depth: L layers. num_heads: 8. ffn_dim: H (512).
        dropout: residual/FFN dropout. attn_drop: attention dropout.
        final_norm: apply a norm after the last layer (pre-norm stacks
            need it; 512 parameters at C=256). The official P-STMO / MPM
            trunks have one in their files but never apply it: use
            ``final_norm=False`` to reproduce them.
        norm: ``'layernorm'`` (default) or ``'official'`` (unbiased std,
            eps on the std; see :mod:`mpm.models.layers.norm`).

    Shapes: (B, T, C) [+ visible_index (B, T_vis) long] -> (B, T or T_vis, C).
    """

    def __init__(self, num_frames: int = 243, embed_dim: int = 256,
                 depth: int = 4, num_heads: int = 8, ffn_dim: int = 512,
                 dropout: float = 0.1, attn_drop: Optional[float] = None,
                 final_norm: bool = True, norm: str = 'layernorm'):
        super().__init__()
        self.num_frames = num_frames
        self.pos_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.pos_drop = Dropout(dropout)
        self.layers = nn.ModuleList([
            TransformerLayer(embed_dim, num_heads, ffn_dim, dropout, attn_drop,
                             norm) for _ in range(depth)
        ])
        self.norm = (build_norm(norm, embed_dim)
                     if final_norm else nn.Identity())

    def forward(self, x: torch.Tensor,
                visible_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        if x.shape[1] != self.num_frames:
            raise ValueError(
                f'TemporalTransformer was built for {self.num_frames} frames '
                f'but got {x.shape[1]}; set num_frames to the window length '
                '(seq_len) of the dataset.')
        x = x + self.pos_embed
        if visible_index is not None:
            index = visible_index.unsqueeze(-1).expand(-1, -1, x.shape[-1])
            x = torch.gather(x, 1, index)
        x = self.pos_drop(x)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)
