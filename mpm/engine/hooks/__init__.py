"""Runner hooks of mpm (registered in :data:`mpm.registry.HOOKS`).

Importing this package only registers the classes; matplotlib is loaded when
a hook first draws.
"""
from .dataset_meta_hook import DatasetMetaHook
from .freeze_parts_hook import FreezePartsHook
from .pose_visualization_hook import PoseVisualizationHook
from .resume_state_hook import ResumeStateHook

__all__ = ['DatasetMetaHook', 'FreezePartsHook',
           'PoseVisualizationHook', 'ResumeStateHook']
