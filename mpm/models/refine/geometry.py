"""Pinhole geometry of the pose refinement: pixels -> rays -> 3D, root depth.

Units and conventions (all functions are batched over any leading dims
``...``, torch, differentiable):

- pixels: image coordinates of the 2D keypoints (``u`` right, ``v`` down), as
  in the Human3.6M 2D files (with the lens distortion of the camera).
- normalised screen coordinates: the lifter's 2D input,
  ``x_n = u / w * 2 - [1, h / w]``
  (:func:`mpm.utils.camera.normalize_screen`).
- rays: undistorted normalised image coordinates ``(X / Z, Y / Z)`` of a
  camera-frame point ``(X, Y, Z)`` in metres, i.e. ``((u - c_x) / f_x,
  (v - c_y) / f_y)`` after removing the distortion. A point on the ray at
  depth ``Z`` is ``(a Z, b Z, Z)``.
- poses: (..., J, 3) metres in the camera frame; "root-relative" means the
  root joint (pelvis, index 0) is at the origin.

Root depth from 2D and a root-relative 3D pose (no ground truth)
----------------------------------------------------------------
Let ``p_j = (x_j, y_j, z_j)`` be the predicted root-relative pose and
``(a_j, b_j)`` the rays of the 2D keypoints. The absolute pose is
``p_j + T`` with the unknown root position ``T = (X, Y, Z)``. Perspective
projection of joint ``j`` gives ``a_j (Z + z_j) = X + x_j`` and
``b_j (Z + z_j) = Y + y_j``: 2J equations *linear* in ``T``
(:func:`estimate_root_translation`, ``method='lstsq'``). For a fixed ``Z``
the best ``X`` is ``mean_j(a_j (Z + z_j) - x_j)`` (same for ``Y``), so with
``~`` denoting centring over the joints (``v~_j = v_j - mean_k v_k``) the
least-squares depth is the closed form::

    Z = sum_j [a~_j (x~_j - (a z)~_j) + b~_j (y~_j - (b z)~_j)]
        / sum_j (a~_j^2 + b~_j^2)

It is exact (returns the true depth) whenever the pose and the 2D keypoints
are consistent, whatever the pose's depth extent and its position in the
image. With ``z_j = 0`` it reduces to "3D spread / 2D spread":
``Z = sum(a~ x~ + b~ y~) / sum(a~^2 + b~^2)``, the least-squares form of the
classic weak-perspective scale ratio, which :func:`estimate_root_depth` also
offers as ``method='bone_ratio'``::

    Z = sum_bones |(x, y)_child - (x, y)_parent|        (metres)
        / sum_bones |(a, b)_child - (a, b)_parent|      (rays = pixels / f)

i.e. ``Z = f * (3D bone length sum) / (2D bone length sum in pixels)``. The
3D lengths are those of the bones' image-plane components ``(x, y)``: using
full 3D lengths would over-estimate ``Z`` by the foreshortening of every
bone that points towards the camera. The ratio is exact for a pose whose
joints all lie at the root's depth (fronto-parallel) and approximate
otherwise (weak perspective: error of order ``depth extent / Z``, a few
per cent for a person 5 m away).

Both estimates scale with the predicted pose: a lifted pose 5% too large
gives a depth 5% too far, which keeps the back-projection consistent with
the 2D input.
"""
from typing import Optional, Sequence

import torch

__all__ = [
    'pixels_from_normalized', 'undistort_rays', 'pixels_to_rays',
    'back_project', 'estimate_root_translation', 'estimate_root_depth',
    'ROOT_DEPTH_METHODS'
]

#: Methods of :func:`estimate_root_depth`.
ROOT_DEPTH_METHODS = ('lstsq', 'bone_ratio')


def _check_last(x: torch.Tensor, size: int, name: str, unit: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f'{name} must be a torch.Tensor (..., {size}) in '
                        f'{unit}; got {type(x).__name__}.')
    if x.dim() < 1 or x.shape[-1] != size:
        raise ValueError(f'{name} must have shape (..., {size}) in {unit}; '
                         f'got {tuple(x.shape)}.')


def pixels_from_normalized(coords: torch.Tensor,
                           res: torch.Tensor) -> torch.Tensor:
    """Normalised screen coordinates -> pixels (inverse of the dataset's
    ``x / w * 2 - [1, h / w]``).

    Args:
        coords: (..., J, 2) normalised screen coordinates.
        res: (..., 2) image size ``[w, h]`` in pixels, broadcast over J.

    Returns:
        (..., J, 2) pixels.
    """
    _check_last(coords, 2, 'coords', 'normalised screen coordinates')
    _check_last(res, 2, 'res', 'pixels ([w, h])')
    res = res.to(coords.dtype).unsqueeze(-2)  # (..., 1, 2)
    w, h = res[..., :1], res[..., 1:]
    offset = torch.cat([torch.ones_like(w), h / w], dim=-1)
    return (coords + offset) * w / 2


def undistort_rays(xy: torch.Tensor, radial: torch.Tensor,
                   tangential: torch.Tensor,
                   num_iters: int = 20) -> torch.Tensor:
    """Remove Brown-Conrady distortion from normalised image coordinates.

    Inverts ``xd = x (1 + k1 r^2 + k2 r^4 + k3 r^6) + 2 p1 x y +
    p2 (r^2 + 2 x^2)`` (and the ``y`` counterpart; ``r^2 = x^2 + y^2``), the
    model of :func:`mpm.utils.camera.project_to_pixels`, by fixed-point
    iteration ``x <- (xd - tangential(x)) / radial(x)``, which converges
    quickly for the mild distortion of Human3.6M's cameras.

    Args:
        xy: (..., J, 2) distorted normalised coordinates ``(u - c) / f``.
        radial: (..., 3) ``k1, k2, k3``, broadcast over J.
        tangential: (..., 2) ``p1, p2``, broadcast over J.
        num_iters: fixed-point iterations.

    Returns:
        (..., J, 2) undistorted rays ``(X / Z, Y / Z)``.
    """
    _check_last(xy, 2, 'xy', 'normalised image coordinates')
    _check_last(radial, 3, 'radial', 'k1, k2, k3')
    _check_last(tangential, 2, 'tangential', 'p1, p2')
    k = radial.to(xy.dtype).unsqueeze(-2)
    p = tangential.to(xy.dtype).unsqueeze(-2)
    k1, k2, k3 = k[..., 0], k[..., 1], k[..., 2]
    p1, p2 = p[..., 0], p[..., 1]
    xd, yd = xy[..., 0], xy[..., 1]
    x, y = xd, yd
    for _ in range(num_iters):
        r2 = x * x + y * y
        scale = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2
        dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
        x = (xd - dx) / scale
        y = (yd - dy) / scale
    return torch.stack([x, y], dim=-1)


def pixels_to_rays(pixels: torch.Tensor, focal_length: torch.Tensor,
                   center: torch.Tensor,
                   radial: Optional[torch.Tensor] = None,
                   tangential: Optional[torch.Tensor] = None,
                   num_iters: int = 20) -> torch.Tensor:
    """Pixels -> rays ``((u - c_x) / f_x, (v - c_y) / f_y)``, undistorted when
    distortion coefficients are given.

    Args:
        pixels: (..., J, 2) pixels.
        focal_length: (..., 2) ``f_x, f_y`` pixels. center: (..., 2) pixels.
        radial: optional (..., 3); tangential: optional (..., 2). Both or
            neither (``None``: pinhole without distortion).
        num_iters: iterations of :func:`undistort_rays`.

    Returns:
        (..., J, 2) rays (dimensionless, ``X / Z, Y / Z``).
    """
    _check_last(pixels, 2, 'pixels', 'pixels')
    _check_last(focal_length, 2, 'focal_length', 'pixels')
    _check_last(center, 2, 'center', 'pixels')
    xy = (pixels - center.to(pixels.dtype).unsqueeze(-2)) / \
        focal_length.to(pixels.dtype).unsqueeze(-2)
    if (radial is None) != (tangential is None):
        raise ValueError('pixels_to_rays: give both radial and tangential '
                         'distortion coefficients, or neither.')
    if radial is not None:
        xy = undistort_rays(xy, radial, tangential, num_iters)
    return xy


def back_project(rays: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
    """Points on the rays at the given depths.

    Args:
        rays: (..., J, 2) ``(X / Z, Y / Z)``.
        depth: (..., J) camera-frame depths ``Z`` in metres.

    Returns:
        (..., J, 3) camera-frame points ``(a Z, b Z, Z)`` in metres.
    """
    _check_last(rays, 2, 'rays', 'normalised image coordinates')
    if depth.shape != rays.shape[:-1]:
        raise ValueError(f'back_project: depth {tuple(depth.shape)} must be '
                         f'rays.shape[:-1] = {tuple(rays.shape[:-1])}.')
    depth = depth.unsqueeze(-1)
    return torch.cat([rays * depth, depth], dim=-1)


def _check_pose_rays(rays: torch.Tensor, pose: torch.Tensor) -> None:
    _check_last(rays, 2, 'rays', 'normalised image coordinates')
    _check_last(pose, 3, 'pose', 'metres (root-relative camera frame)')
    if rays.shape[:-1] != pose.shape[:-1]:
        raise ValueError(f'rays {tuple(rays.shape)} and pose '
                         f'{tuple(pose.shape)} must agree up to the last '
                         'dimension (..., J).')
    if rays.shape[-2] < 2:
        raise ValueError('estimating the root position needs at least 2 '
                         f'joints; got {rays.shape[-2]}.')


def estimate_root_translation(rays: torch.Tensor, pose: torch.Tensor,
                              min_depth: float = 0.1,
                              eps: float = 1e-12,
                              weights: Optional[torch.Tensor] = None
                              ) -> torch.Tensor:
    """Least-squares root position ``T`` with ``proj(pose + T) = rays``.

    Solves the 2J linear equations ``a_j (Z + z_j) = X + x_j``,
    ``b_j (Z + z_j) = Y + y_j`` (see the module docstring) in closed form.
    Exact when ``rays`` are the projections of ``pose + T``.

    Args:
        rays: (..., J, 2) rays of the 2D keypoints (:func:`pixels_to_rays`).
        pose: (..., J, 3) root-relative (or any fixed-origin) pose, metres.
        min_depth: lower clamp of ``Z`` in metres (a degenerate or
            behind-camera solution is clamped, then ``X, Y`` follow).
        eps: guards the division when all rays coincide.
        weights: optional (..., J) non-negative weight of each joint's two
            equations (weighted least squares: the means and sums of the
            closed form become weighted ones); 0 leaves a joint out (e.g. a
            2D keypoint the detector missed). None: all joints weigh 1.

    Returns:
        (..., 3) ``T = (X, Y, Z)`` metres: where the pose's origin (root)
        is in the camera frame.
    """
    _check_pose_rays(rays, pose)
    pose = pose.to(rays.dtype)
    a, b = rays[..., 0], rays[..., 1]
    x, y, z = pose[..., 0], pose[..., 1], pose[..., 2]
    if weights is None:
        w = torch.ones_like(a)
    else:
        if weights.shape != a.shape:
            raise ValueError(f'weights must have shape (..., J) = '
                             f'{tuple(a.shape)}, got {tuple(weights.shape)}.')
        w = weights.to(rays.dtype)
    w_sum = w.sum(dim=-1, keepdim=True).clamp(min=eps)

    def mean(v):
        return (w * v).sum(dim=-1, keepdim=True) / w_sum

    def centred(v):
        return v - mean(v)

    ac, bc = centred(a), centred(b)
    num = (w * (ac * (centred(x) - centred(a * z)) +
                bc * (centred(y) - centred(b * z)))).sum(-1)
    den = (w * (ac * ac + bc * bc)).sum(-1).clamp(min=eps)
    depth = (num / den).clamp(min=min_depth)
    d = depth.unsqueeze(-1)
    tx = mean(a * (d + z) - x)[..., 0]
    ty = mean(b * (d + z) - y)[..., 0]
    return torch.stack([tx, ty, depth], dim=-1)


def estimate_root_depth(rays: torch.Tensor, pose: torch.Tensor,
                        method: str = 'lstsq',
                        parents: Optional[Sequence[int]] = None,
                        min_depth: float = 0.1,
                        eps: float = 1e-12) -> torch.Tensor:
    """Root depth from 2D rays and a root-relative 3D pose, no ground truth.

    Args:
        rays: (..., J, 2) rays of the 2D keypoints (:func:`pixels_to_rays`).
        pose: (..., J, 3) root-relative pose, metres (e.g. the lifter's).
        method: ``'lstsq'`` (perspective least squares, exact for consistent
            input; :func:`estimate_root_translation`) or ``'bone_ratio'``
            (weak perspective: ``f * sum 3D bone lengths (image-plane
            components, m) / sum 2D bone lengths (px)``).
        parents: parent of each joint (-1 for the root), for
            ``'bone_ratio'``; Human3.6M-17 by default.
        min_depth: lower clamp in metres.
        eps: guards divisions.

    Returns:
        (...,) root depth ``Z`` in metres, camera frame.
    """
    if method == 'lstsq':
        return estimate_root_translation(rays, pose, min_depth, eps)[..., 2]
    if method != 'bone_ratio':
        raise ValueError(f"Unknown root depth method '{method}': use one of "
                         f'{ROOT_DEPTH_METHODS}.')
    _check_pose_rays(rays, pose)
    if parents is None:
        from mpm.utils import H36M_SKELETON
        parents = H36M_SKELETON.parents
    parents = [int(p) for p in parents]
    if len(parents) != rays.shape[-2]:
        raise ValueError(f'parents has {len(parents)} entries but the pose '
                         f'has {rays.shape[-2]} joints.')
    child = [j for j, p in enumerate(parents) if p >= 0]
    parent = [parents[j] for j in child]
    if not child:
        raise ValueError('bone_ratio needs at least one bone (a joint with a '
                         'parent >= 0).')
    pose = pose.to(rays.dtype)
    len_3d = torch.linalg.vector_norm(
        pose[..., child, :2] - pose[..., parent, :2], dim=-1).sum(-1)
    len_2d = torch.linalg.vector_norm(
        rays[..., child, :] - rays[..., parent, :], dim=-1).sum(-1)
    return (len_3d / len_2d.clamp(min=eps)).clamp(min=min_depth)
