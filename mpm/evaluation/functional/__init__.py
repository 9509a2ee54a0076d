"""Pure numpy error measures for 3D poses: MPJPE, P-MPJPE, N-MPJPE, PCK,
acceleration error."""
from .keypoint_3d import (acceleration_error, auc, check_pose_pair,
                          joint_errors, mpjpe, n_mpjpe, p_mpjpe, pck,
                          procrustes_align, scale_align, to_numpy_f64)

__all__ = [
    'mpjpe', 'p_mpjpe', 'n_mpjpe', 'pck', 'auc', 'procrustes_align',
    'scale_align', 'joint_errors', 'check_pose_pair', 'to_numpy_f64',
    'acceleration_error'
]
