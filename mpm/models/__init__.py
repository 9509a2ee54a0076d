"""Models of mpm; importing this package registers every component."""
from . import (algorithms, augmentations, data_preprocessors, decoders,
               encoders, layers, losses, maskers, pretrained_parts, refine,
               text_encoders, trunks, utils)

__all__ = [
    'algorithms', 'augmentations', 'data_preprocessors', 'decoders',
    'encoders', 'layers', 'losses', 'maskers', 'pretrained_parts', 'refine',
    'text_encoders', 'trunks', 'utils'
]
