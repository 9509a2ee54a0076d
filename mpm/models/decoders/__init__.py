from .regression_head import PoseRegressionHead
from .strided_transformer import (StridedTransformerDecoder,
                                  StridedTransformerLayer)

__all__ = [
    'PoseRegressionHead', 'StridedTransformerDecoder',
    'StridedTransformerLayer'
]
