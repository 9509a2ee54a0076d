"""Reconstruction decoders of masked pre-training (MPM stage I, P-STMO)."""
from typing import Optional

import torch
from torch import nn

from mpm.models.layers import Dropout, TransformerLayer
from mpm.registry import DECODERS


def restore_frames(tokens: torch.Tensor, visible_index: torch.Tensor,
                   num_frames: int, fill: torch.Tensor) -> torch.Tensor:
    """Put visible-frame tokens back in time order, ``fill`` elsewhere.

    Args:
        tokens: (B, T_vis, C) features of the visible frames, in the order of
            ``visible_index``.
        visible_index: (B, T_vis) long, the frame index of each token.
        num_frames: T, the full window length.
        fill: (1, 1, C) token written into the frames not in
            ``visible_index`` (the learnable mask token).

    Returns:
        (B, T, C): ``out[b, visible_index[b, i]] = tokens[b, i]``, ``fill``
        in every other frame. Gradients reach ``tokens`` and ``fill``.
    """
    B, _, C = tokens.shape
    full = fill.to(tokens.dtype).expand(B, num_frames, C)
    index = visible_index.unsqueeze(-1).expand(-1, -1, C)
    return full.scatter(1, index, tokens)


@DECODERS.register_module()
class MaskedPoseDecoder(nn.Module):
    """Transformer decoder that reconstructs every frame of a masked window.

    The trunk ran on the visible frames only (MAE style). This decoder
    optionally normalises and projects those tokens (``input_norm``;
    ``Linear(in_channels -> embed_dim, bias=False)`` when the widths differ),
    puts them back in time order with a learnable ``mask_token`` (1, 1, C) in
    the dropped frames, adds its own positional embedding ``pos_embed``
    (1, F, C), runs ``depth`` pre-norm transformer blocks, a LayerNorm
    (``final_norm``) and a BatchNorm + Linear head on every frame.

    Configurations used in mpm:
      - MPM stage I 2D / 3D decoders: ``in_channels = embed_dim = 256``,
        ``depth=1``, ``ffn_dim=512``, 8 heads, ``out_channels`` 2 / 3.
      - P-STMO pre-training: ``input_norm=True``, 256 -> 128,
        ``depth=L-1``, ``ffn_dim=256``, 8 heads, ``out_channels=2``.

    Args:
        num_frames: F. in_channels: width of the trunk tokens.
        embed_dim: C, decoder width. depth: transformer blocks.
        num_heads, ffn_dim, dropout, attn_drop: as in ``TransformerLayer``.
        input_norm: LayerNorm on the incoming tokens.
        final_norm: LayerNorm after the last block.
        num_joints: J. out_channels: 2 (normalised screen units) or 3
            (root-relative metres).

    Shapes: (B, T_vis, in_channels) [+ visible_index (B, T_vis) long]
    -> (B, F, J, out_channels). Without ``visible_index``, T_vis must be F.
    """

    def __init__(self, num_frames: int = 243, in_channels: int = 256,
                 embed_dim: int = 256, depth: int = 1, num_heads: int = 8,
                 ffn_dim: int = 512, dropout: float = 0.1,
                 attn_drop: Optional[float] = None, input_norm: bool = False,
                 final_norm: bool = True, num_joints: int = 17,
                 out_channels: int = 2):
        super().__init__()
        self.num_frames = num_frames
        self.num_joints = num_joints
        self.out_channels = out_channels
        self.input_norm = (nn.LayerNorm(in_channels)
                           if input_norm else nn.Identity())
        self.proj = (nn.Linear(in_channels, embed_dim, bias=False)
                     if in_channels != embed_dim else nn.Identity())
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dim))
        nn.init.trunc_normal_(self.mask_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.pos_drop = Dropout(dropout)
        self.layers = nn.ModuleList([
            TransformerLayer(embed_dim, num_heads, ffn_dim, dropout, attn_drop)
            for _ in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dim) if final_norm else nn.Identity()
        self.head = DECODERS.build(
            dict(type='PoseRegressionHead', in_channels=embed_dim,
                 num_joints=num_joints, out_channels=out_channels))

    def forward(self, x: torch.Tensor,
                visible_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = self.proj(self.input_norm(x))
        if visible_index is None:
            if x.shape[1] != self.num_frames:
                raise ValueError(
                    f'MaskedPoseDecoder was built for {self.num_frames} '
                    f'frames but got {x.shape[1]} tokens and no '
                    'visible_index; set num_frames to the window length.')
        else:
            if visible_index.shape != x.shape[:2]:
                raise ValueError(
                    f'visible_index {tuple(visible_index.shape)} does not '
                    f'match the tokens {tuple(x.shape[:2])} (B, T_vis)')
            x = restore_frames(x, visible_index, self.num_frames,
                               self.mask_token)
        x = self.pos_drop(x + self.pos_embed)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))
