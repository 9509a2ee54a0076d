from .attention import MultiHeadSelfAttention
from .norm import NORM_LAYERS, StdNorm, build_norm
from .transformer import FeedForward, TransformerLayer

__all__ = [
    'MultiHeadSelfAttention', 'FeedForward', 'TransformerLayer', 'StdNorm',
    'NORM_LAYERS', 'build_norm'
]
