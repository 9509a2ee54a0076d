"""Models of mpm; importing this package registers every component."""
from . import (algorithms, data_preprocessors, decoders, encoders, layers,
               losses, maskers, trunks)

__all__ = [
    'algorithms', 'data_preprocessors', 'decoders', 'encoders', 'layers',
    'losses', 'maskers', 'trunks'
]
