from .pose_lifter import PoseLifter

__all__ = ['PoseLifter']
from .masked_pose_modeling import (MaskedPoseModeling,  # noqa: E402
                                   PretrainedPartsInit,
                                   load_pretrained_parts)
from .pstmo_pretrain import PSTMOPretrain  # noqa: E402

__all__ += [
    'MaskedPoseModeling', 'PSTMOPretrain', 'PretrainedPartsInit',
    'load_pretrained_parts'
]
