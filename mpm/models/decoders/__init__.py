from .regression_head import PoseRegressionHead
from .strided_transformer import (StridedTransformerDecoder,
                                  StridedTransformerLayer)

__all__ = [
    'PoseRegressionHead', 'StridedTransformerDecoder',
    'StridedTransformerLayer'
]
from .reconstruction import MaskedPoseDecoder, restore_frames  # noqa: E402

__all__ += ['MaskedPoseDecoder', 'restore_frames']
from .action_text_head import ActionTextHead  # noqa: E402

__all__ += ['ActionTextHead']
