"""Models of mpm; importing this package registers every component."""
from . import (algorithms, augmentations, data_preprocessors, decoders,
               encoders, layers, losses, maskers, refine, text_encoders,
               trunks)

__all__ = [
    'algorithms', 'augmentations', 'data_preprocessors', 'decoders',
    'encoders', 'layers', 'losses', 'maskers', 'refine', 'text_encoders',
    'trunks'
]
