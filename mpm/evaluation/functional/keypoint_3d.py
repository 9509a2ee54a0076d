"""Pure numpy error measures for 3D poses.

All functions take poses of shape (N, J, 3): N frames, J joints, xyz
coordinates (numpy arrays or torch tensors on any device). They compute in
float64 numpy and never modify their inputs.

Per-frame errors (:func:`mpjpe`, :func:`p_mpjpe`, :func:`n_mpjpe`) are the mean
Euclidean joint distance of each frame, in the unit of the input (pass
millimetres to get millimetres). :func:`pck` and :func:`auc` expect
millimetres, because their thresholds are in millimetres.
"""
from typing import Any, Iterable, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'to_numpy_f64', 'check_pose_pair', 'joint_errors', 'mpjpe', 'p_mpjpe',
    'n_mpjpe', 'procrustes_align', 'scale_align', 'pck', 'auc'
]


def to_numpy_f64(x: Any, name: str = 'array') -> np.ndarray:
    """Convert a numpy array, torch tensor or nested sequence to float64 numpy.

    Torch tensors are detached and moved to the CPU first.
    """
    if hasattr(x, 'detach') and hasattr(x, 'cpu'):  # torch.Tensor
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f'{name} could not be converted to a float array ({type(x)}): '
            f'{err}') from err


def check_pose_pair(pred: Any, gt: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and convert a (prediction, ground truth) pair.

    Args:
        pred, gt: poses of the same shape (N, J, 3).

    Returns:
        The two poses as float64 numpy arrays (N, J, 3).

    Raises:
        ValueError: if either is not 3-dimensional with 3 coordinates, or the
            shapes differ. The message names both shapes.
    """
    pred = to_numpy_f64(pred, 'pred')
    gt = to_numpy_f64(gt, 'gt')
    if pred.ndim != 3 or pred.shape[-1] != 3 or pred.shape != gt.shape:
        raise ValueError(
            'pred and gt must both have shape (N, J, 3) (frames, joints, xyz) '
            f'and match; got pred {tuple(pred.shape)} and gt '
            f'{tuple(gt.shape)}. For a single pose (J, 3) add a leading axis '
            '(pose[None]).')
    return pred, gt


def joint_errors(pred: Any, gt: Any) -> np.ndarray:
    """Euclidean distance of every joint.

    Args:
        pred, gt: (N, J, 3) poses in any unit.

    Returns:
        (N, J) float64 distances in the unit of the input.
    """
    pred, gt = check_pose_pair(pred, gt)
    return np.linalg.norm(pred - gt, axis=-1)


def mpjpe(pred: Any, gt: Any) -> np.ndarray:
    """Mean per-joint position error of every frame (Protocol #1).

    No alignment is done: root-align both poses beforehand if the protocol
    asks for it.

    Args:
        pred, gt: (N, J, 3) poses in any unit.

    Returns:
        (N,) float64 mean Euclidean joint error per frame, unit of the input.
    """
    return joint_errors(pred, gt).mean(axis=-1)


def acceleration_error(pred: Any, gt: Any) -> np.ndarray:
    """Mean per-joint acceleration error of every inner frame of a sequence.

    The acceleration of a joint at frame t is the second difference
    ``x[t + 1] - 2 x[t] + x[t - 1]`` (unit of the input per frame^2); the
    error is the Euclidean distance between predicted and true
    accelerations, averaged over the joints. It measures jitter, which
    MPJPE hardly sees.

    Args:
        pred, gt: (N, J, 3) consecutive frames of one sequence, N >= 3.

    Returns:
        (N - 2,) float64 errors of frames 1 .. N - 2, unit of the input per
        frame^2.
    """
    pred, gt = check_pose_pair(pred, gt)
    if pred.shape[0] < 3:
        raise ValueError(f'acceleration needs at least 3 frames, got '
                         f'{pred.shape[0]}.')

    def accel(x):
        return x[2:] - 2 * x[1:-1] + x[:-2]

    return np.linalg.norm(accel(pred) - accel(gt), axis=-1).mean(axis=-1)


def procrustes_align(pred: Any, gt: Any) -> np.ndarray:
    """Similarity-align each predicted frame to its ground truth.

    Per frame, find scale ``s``, proper rotation ``R`` (det +1, reflections
    are not allowed) and translation ``t`` minimising
    ``sum_j ||s * pred_j @ R + t - gt_j||^2`` (orthogonal Procrustes with
    the sign correction of the SVD, Umeyama 1991).

    Args:
        pred, gt: (N, J, 3) poses in any unit.

    Returns:
        (N, J, 3) float64 aligned prediction, unit of the input. A frame whose
        prediction has all joints at one point is aligned to the centroid of
        its ground truth.
    """
    pred, gt = check_pose_pair(pred, gt)
    mu_pred = pred.mean(axis=1, keepdims=True)
    mu_gt = gt.mean(axis=1, keepdims=True)
    x = pred - mu_pred  # (N, J, 3)
    y = gt - mu_gt
    # Cross-covariance (N, 3, 3); row-vector convention: aligned = x @ R.
    h = np.einsum('nji,njk->nik', x, y)
    u, sing, vt = np.linalg.svd(h)
    # Proper rotation: flip the axis of the smallest singular value when
    # U @ Vt would be a reflection.
    sign = np.sign(np.linalg.det(u @ vt))
    sign[sign == 0] = 1.0
    u[:, :, -1] *= sign[:, None]
    sing[:, -1] *= sign
    rot = u @ vt  # (N, 3, 3)
    var_x = np.sum(x * x, axis=(1, 2))
    safe = var_x > 0
    scale = np.where(safe, sing.sum(axis=-1) / np.where(safe, var_x, 1.0), 0.0)
    return scale[:, None, None] * (x @ rot) + mu_gt


def p_mpjpe(pred: Any, gt: Any) -> np.ndarray:
    """MPJPE after per-frame Procrustes alignment (Protocol #2, P-MPJPE).

    See :func:`procrustes_align` (scale, proper rotation, translation;
    reflection excluded).

    Args:
        pred, gt: (N, J, 3) poses in any unit.

    Returns:
        (N,) float64 per-frame error, unit of the input.
    """
    pred, gt = check_pose_pair(pred, gt)
    return mpjpe(procrustes_align(pred, gt), gt)


def scale_align(pred: Any, gt: Any) -> np.ndarray:
    """Rescale each predicted frame by the least-squares optimal scale.

    ``s = <pred, gt> / <pred, pred>`` per frame (sums over joints and xyz); no
    translation, no rotation. A frame whose prediction is all zeros gets
    ``s = 0``.

    Args:
        pred, gt: (N, J, 3) poses in any unit, usually root-relative.

    Returns:
        (N, J, 3) float64 rescaled prediction.
    """
    pred, gt = check_pose_pair(pred, gt)
    num = np.sum(pred * gt, axis=(1, 2))
    den = np.sum(pred * pred, axis=(1, 2))
    safe = den > 0
    scale = np.where(safe, num / np.where(safe, den, 1.0), 0.0)
    return scale[:, None, None] * pred


def n_mpjpe(pred: Any, gt: Any) -> np.ndarray:
    """MPJPE after per-frame optimal scaling of the prediction (N-MPJPE).

    See :func:`scale_align`. The result depends on the origin: pass
    root-relative poses as the protocol does.

    Args:
        pred, gt: (N, J, 3) poses in any unit.

    Returns:
        (N,) float64 per-frame error, unit of the input.
    """
    pred, gt = check_pose_pair(pred, gt)
    return mpjpe(scale_align(pred, gt), gt)


def _select_joints(errors: np.ndarray,
                   joints: Optional[Sequence[int]]) -> np.ndarray:
    if joints is None:
        return errors
    idx = np.asarray(list(joints), dtype=np.int64)
    num_joints = errors.shape[1]
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError(f'joints must be a non-empty list of joint indices; '
                         f'got {joints!r}')
    if idx.min() < -num_joints or idx.max() >= num_joints:
        raise ValueError(f'joints {list(idx)} out of range for poses with '
                         f'{num_joints} joints')
    return errors[:, idx]


def pck(pred: Any,
        gt: Any,
        threshold: float = 150.0,
        joints: Optional[Sequence[int]] = None) -> float:
    """Percentage of correct keypoints (MPI-INF-3DHP protocol).

    A joint is correct when its Euclidean error is strictly below
    ``threshold`` (``error < threshold``, as in the official MPI-INF-3DHP
    evaluation), so an error exactly equal to the threshold is not correct
    and PCK at threshold 0 is always 0. The percentage is taken over all
    frames and the selected joints (frame-weighted).

    Args:
        pred, gt: (N, J, 3) poses in millimetres (root-aligned as the
            protocol asks).
        threshold: distance in millimetres.
        joints: indices of the joints to count (e.g. the 14 joints of the
            3DHP protocol); all joints when None.

    Returns:
        PCK in percent, in [0, 100].
    """
    errors = _select_joints(joint_errors(pred, gt), joints)
    return float(np.mean(errors < float(threshold)) * 100.0)


def auc(pred: Any,
        gt: Any,
        thresholds: Iterable[float] = range(0, 151, 5),
        joints: Optional[Sequence[int]] = None) -> float:
    """Area under the PCK curve: the mean of :func:`pck` over thresholds.

    Args:
        pred, gt: (N, J, 3) poses in millimetres.
        thresholds: thresholds in millimetres; the MPI-INF-3DHP protocol uses
            0, 5, ..., 150 (31 values, the default).
        joints: indices of the joints to count; all joints when None.

    Returns:
        AUC in percent, in [0, 100].
    """
    thr = np.asarray(list(thresholds), dtype=np.float64)
    if thr.ndim != 1 or thr.size == 0:
        raise ValueError(f'thresholds must be a non-empty 1D sequence of '
                         f'millimetre values; got {thresholds!r}')
    errors = _select_joints(joint_errors(pred, gt), joints)
    correct = errors[None] < thr[:, None, None]  # (K, N, J)
    return float(correct.mean(axis=(1, 2)).mean() * 100.0)
