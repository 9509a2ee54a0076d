"""Moved to :mod:`mpm.utils.camera` (camera geometry is a fact models and
metrics share, not a dataset internal); this path keeps working."""
from mpm.utils.camera import (CAMERA_TABLE, Camera,  # noqa: F401
                              camera_params_of, camera_to_world,
                              denormalize_screen, h36m_cameras,
                              normalize_screen, project_to_pixels,
                              quaternion_to_matrix, world_to_camera)
