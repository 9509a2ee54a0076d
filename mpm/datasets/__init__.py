"""Datasets of mpm: windows of 2D/3D keypoints read from the users' files."""
from .action_labels import ActionVocabulary, canonical_label
from .amass import AmassDataset
from .babel import dominant_frame_labels, frame_labels, load_babel
from .base import PoseWindowDataset
from .camera import (Camera, camera_params_of, camera_to_world,
                     denormalize_screen, h36m_cameras, normalize_screen,
                     project_to_pixels, quaternion_to_matrix, world_to_camera)
from .device_windows import (DeviceWindowDataset, DeviceWindowStore,
                             apply_device_windows, window_batch_collate)
from .human36m import Human36mDataset
from .io import load_npz_dict
from .keypoint_layouts import build_keypoint_converter, convert_keypoints
from .mixture import MixtureDataset
from .mpi_inf_3dhp import MpiInf3dhpDataset
from .windows import WindowIndex, contiguous_subset

__all__ = [
    'Camera', 'h36m_cameras', 'quaternion_to_matrix', 'world_to_camera',
    'camera_to_world', 'camera_params_of', 'project_to_pixels',
    'normalize_screen', 'denormalize_screen', 'PoseWindowDataset',
    'Human36mDataset', 'DeviceWindowDataset', 'DeviceWindowStore',
    'apply_device_windows', 'window_batch_collate',
    'MpiInf3dhpDataset', 'AmassDataset', 'MixtureDataset', 'load_npz_dict',
    'WindowIndex', 'contiguous_subset', 'ActionVocabulary', 'canonical_label',
    'load_babel', 'frame_labels', 'dominant_frame_labels',
    'build_keypoint_converter', 'convert_keypoints'
]
