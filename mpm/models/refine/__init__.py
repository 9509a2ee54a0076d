"""Post-refinement of lifted 3D poses (Cai et al., ICCV 2019; used by
P-STMO): geometry (rays, back-projection, root depth estimation), the
learned fusion module and the batch's camera data. The algorithm wrapping a
lifter is :class:`mpm.models.algorithms.pose_refiner.RefinedPoseLifter`."""
from .cameras import (CAMERA_PARAM_KEYS, batch_camera_params,
                      batch_root_position, camera_params_from_meta,
                      camera_params_of)
from .geometry import (ROOT_DEPTH_METHODS, back_project,
                       estimate_root_depth, estimate_root_translation,
                       pixels_from_normalized, pixels_to_rays,
                       undistort_rays)
from .refine_module import RefineModule

__all__ = [
    'CAMERA_PARAM_KEYS', 'batch_camera_params', 'batch_root_position',
    'camera_params_from_meta', 'camera_params_of', 'ROOT_DEPTH_METHODS',
    'back_project', 'estimate_root_depth', 'estimate_root_translation',
    'pixels_from_normalized', 'pixels_to_rays', 'undistort_rays',
    'RefineModule'
]
