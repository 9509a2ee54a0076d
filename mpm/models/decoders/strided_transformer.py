"""Strided-transformer decoder: many frames to one (stage II 3D decoder)."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mpm.models.layers import (Dropout, MultiHeadSelfAttention,
                               build_norm)
from mpm.registry import DECODERS

ANCHORS = ('first', 'centre')


class StridedTransformerLayer(nn.Module):
    """Pre-norm attention layer whose FFN shortens the sequence by ``stride``.

    ``x = x + Attn(LN(x))``; then the FFN ``Linear(C -> H) + ReLU + Dropout +
    Conv1d(H -> C, kernel 3, stride s)`` runs on ``LN(x)`` and its output is
    added to the residual subsampled by ``s``.

    Anchoring of the surviving tokens:
      - ``'first'`` (reference code): padding 1, residual ``x[:, ::s]``; a
        token stands for the first frame of its group.
      - ``'centre'``: no padding, residual ``x[:, 1::s]`` (for kernel 3,
        stride 3); a token stands for the centre frame of its group, so the
        last token is the window's centre frame.
    Both have the same parameters.

    ``norm``: ``'layernorm'`` (default) or ``'official'`` (unbiased std, eps
    on the std, as in the official P-STMO / MPM code).

    Shapes: (B, T, C) -> (B, T // s, C) (T divisible by s).
    """

    def __init__(self, embed_dim: int = 256, num_heads: int = 8,
                 ffn_dim: int = 512, stride: int = 3, dropout: float = 0.1,
                 attn_drop: Optional[float] = None, anchor: str = 'centre',
                 kernel_size: int = 3, norm: str = 'layernorm'):
        super().__init__()
        if anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {ANCHORS}, got '{anchor}'")
        attn_drop = dropout if attn_drop is None else attn_drop
        self.stride = stride
        self.offset = 0 if anchor == 'first' else (kernel_size - 1) // 2
        self.norm1 = build_norm(norm, embed_dim)
        self.attn = MultiHeadSelfAttention(embed_dim, num_heads, attn_drop,
                                           proj_drop=dropout)
        self.norm2 = build_norm(norm, embed_dim)
        self.fc1 = nn.Linear(embed_dim, ffn_dim)
        self.act = nn.ReLU(inplace=True)
        self.drop = Dropout(dropout)
        self.conv = nn.Conv1d(
            ffn_dim, embed_dim, kernel_size, stride=stride,
            padding=(kernel_size - 1) // 2 if anchor == 'first' else 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[1]
        if T % self.stride:
            raise ValueError(f'sequence length {T} is not divisible by the '
                             f'stride {self.stride}')
        x = x + self.attn(self.norm1(x))
        y = self.drop(self.act(self.fc1(self.norm2(x))))
        return x[:, self.offset::self.stride] + self.drop(
            self.strided_conv(y))

    def strided_conv(self, y: torch.Tensor) -> torch.Tensor:
        """``self.conv`` over frames of channels-last tokens.

        When the kernel equals the stride (the papers' 3 / 3) and the
        padding is less than half of it, every output token reads its own
        ``kernel`` consecutive (padded) frames, so the convolution is one
        matrix product of the (B, T / s, s * H) grouped frames with the
        (C, s * H) reshaped kernel: no transposes to channels-first and
        back. Same sums as the convolution, in another order (equal within
        float rounding). Other kernels use ``nn.Conv1d``.

        Shapes: (B, T, H) -> (B, T // s, C).
        """
        conv = self.conv
        k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
        if k != s or 2 * p >= s:
            return conv(y.transpose(1, 2)).transpose(1, 2)
        B, T, H = y.shape
        if p:  # p zero frames in front; the last p frames are never read
            y = F.pad(y[:, :T - p], (0, 0, p, 0))
        weight = conv.weight.permute(0, 2, 1).reshape(conv.out_channels,
                                                      k * H)
        return F.linear(y.reshape(B, T // s, s * H), weight, conv.bias)


@DECODERS.register_module()
class StridedTransformerDecoder(nn.Module):
    """Strided transformer that reduces F frames to the one output frame.

    Learnable positional embeddings (1, F, C) are added before the first
    ``num_pos_embeds`` layers (sliced to the current length). After the last
    layer a LayerNorm and the regression ``head`` (BN + Linear -> 3J) give the
    pose of the output frame: the window's centre frame with
    ``anchor='centre'`` (default; the surviving token is the centre token),
    frame 0's token with ``anchor='first'`` (the reference implementation).

    Args:
        num_frames: F. strides: one stride per layer, product must be F
            (e.g. [3] * 5 for 243 frames). embed_dim: C. ffn_dim: H.
        num_heads, dropout, attn_drop: as in the trunk.
        anchor: 'centre' or 'first'. num_pos_embeds: 3 in the papers.
        final_norm: apply a norm before the head. The official P-STMO / MPM
            decoders hold one in their files but never apply it: use
            ``final_norm=False`` to reproduce them.
        norm: ``'layernorm'`` (default) or ``'official'`` (unbiased std, eps
            on the std), for every norm of the decoder.
        head: config of the head on the final token.

    Shapes: (B, F, C) -> (B, 1, J, 3) metres, root-relative.
    """

    def __init__(self, num_frames: int = 243,
                 strides: Sequence[int] = (3, 3, 3, 3, 3),
                 embed_dim: int = 256, ffn_dim: int = 512,
                 num_heads: int = 8, dropout: float = 0.1,
                 attn_drop: Optional[float] = None, anchor: str = 'centre',
                 num_pos_embeds: int = 3, final_norm: bool = True,
                 head: dict = dict(type='PoseRegressionHead'),
                 norm: str = 'layernorm'):
        super().__init__()
        length = num_frames
        for s in strides:
            if length % s:
                raise ValueError(
                    f'strides {list(strides)} do not reduce {num_frames} '
                    'frames to one: every stride must divide the length')
            length //= s
        if length != 1:
            raise ValueError(f'strides {list(strides)} reduce {num_frames} '
                             f'frames to {length}, not 1')
        self.num_frames = num_frames
        self.anchor = anchor
        self.pos_embeds = nn.ParameterList([
            nn.Parameter(torch.zeros(1, num_frames, embed_dim))
            for _ in range(min(num_pos_embeds, len(strides)))
        ])
        for p in self.pos_embeds:
            nn.init.trunc_normal_(p, std=0.02)
        self.layers = nn.ModuleList([
            StridedTransformerLayer(embed_dim, num_heads, ffn_dim, s, dropout,
                                    attn_drop, anchor, norm=norm)
            for s in strides
        ])
        self.norm = (build_norm(norm, embed_dim)
                     if final_norm else nn.Identity())
        self.head = DECODERS.build(head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            if i < len(self.pos_embeds):
                x = x + self.pos_embeds[i][:, :x.shape[1]]
            x = layer(x)
        return self.head(self.norm(x))
