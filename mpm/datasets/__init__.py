"""Datasets of mpm: windows of 2D/3D keypoints read from the users' files."""
from .camera import (Camera, camera_to_world, denormalize_screen,
                     h36m_cameras, normalize_screen, project_to_pixels,
                     quaternion_to_matrix, world_to_camera)
from .human36m import Human36mDataset
from .io import load_npz_dict
from .windows import WindowIndex, contiguous_subset

__all__ = [
    'Camera', 'h36m_cameras', 'quaternion_to_matrix', 'world_to_camera',
    'camera_to_world', 'project_to_pixels', 'normalize_screen',
    'denormalize_screen', 'Human36mDataset', 'load_npz_dict', 'WindowIndex',
    'contiguous_subset'
]
