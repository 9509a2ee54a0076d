"""Algorithms (MODELS): stage I / II models built from registered parts."""
from .actionpose_pretrain import ActionPosePretrain
from .base import PoseAlgorithm
from mpm.models.pretrained_parts import (PretrainedPartsInit,
                                         load_pretrained_parts)
from .masked_pose_modeling import MaskedPoseModeling
from .lifting_completion import LiftingCompletion
from .pose_completion import PoseCompletion, completion_key_map
from .pose_lifter import PoseLifter
from .pose_refiner import RefinedPoseLifter
from .reconstruction_completion import ReconstructionCompletion
from .pstmo_pretrain import PSTMOPretrain

__all__ = [
    'PoseAlgorithm', 'PoseLifter', 'MaskedPoseModeling', 'PSTMOPretrain',
    'PretrainedPartsInit', 'load_pretrained_parts', 'ActionPosePretrain',
    'PoseCompletion', 'LiftingCompletion', 'ReconstructionCompletion',
    'completion_key_map', 'RefinedPoseLifter'
]
