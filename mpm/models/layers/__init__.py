from .attention import MultiHeadSelfAttention
from .dropout import (Dropout, cheap_dropout, dropout_keep_mask, dropout_rate,
                      random_bytes, uses_byte_mask)
from .norm import NORM_LAYERS, StdNorm, build_norm
from .transformer import FeedForward, TransformerLayer

__all__ = [
    'MultiHeadSelfAttention', 'Dropout', 'cheap_dropout', 'dropout_keep_mask',
    'dropout_rate', 'random_bytes', 'uses_byte_mask', 'FeedForward',
    'TransformerLayer', 'StdNorm',
    'NORM_LAYERS', 'build_norm'
]
