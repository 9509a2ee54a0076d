from .attention import MultiHeadSelfAttention
from .transformer import FeedForward, TransformerLayer

__all__ = ['MultiHeadSelfAttention', 'FeedForward', 'TransformerLayer']
