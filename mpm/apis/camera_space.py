"""Metric camera-space poses: place root-relative 3D poses in the camera.

The lifter predicts poses relative to the root (pelvis). With the 2D
keypoints, the image size and a focal length, :func:`camera_space_poses`
solves every frame's root position ``(X, Y, Z)`` in closed form from the
keypoints' rays and the lifted skeleton
(:func:`mpm.models.refine.geometry.estimate_root_translation`, weighted
least squares over the detected joints) and returns the poses in the camera
frame: metres, camera at the origin, x right, y down, z along the optical
axis (away from the camera). Pinhole camera, principal point at the image
centre, no lens distortion.

Without a known focal length, :func:`default_focal_length` derives one from
a horizontal field of view (:data:`DEFAULT_FOV_DEG`, 60 degrees: between a
phone's main camera, about 65-70, and a typical webcam or camcorder, about
55-60). A wrong focal length scales the root depth (a 10% larger ``f``
gives a 10% larger ``Z``), not the root-relative pose.
"""
import math
from typing import Optional, Tuple

import numpy as np
import torch

from mpm.models.refine.geometry import (estimate_root_translation,
                                        pixels_to_rays)

__all__ = ['camera_space_poses', 'default_focal_length', 'DEFAULT_FOV_DEG']

#: Horizontal field of view (degrees) behind the default focal length.
DEFAULT_FOV_DEG = 60.0


def default_focal_length(image_size: Tuple[float, float],
                         fov_deg: float = DEFAULT_FOV_DEG) -> float:
    """Focal length in pixels of a camera with the given horizontal field of
    view: ``f = (W / 2) / tan(fov / 2)`` (``0.866 W`` for 60 degrees).

    Args:
        image_size: (width, height) pixels.
        fov_deg: horizontal field of view in degrees, in (0, 180).
    """
    if not 0 < fov_deg < 180:
        raise ValueError(f'the field of view must be in (0, 180) degrees, '
                         f'got {fov_deg}.')
    return float(image_size[0]) / 2 / math.tan(math.radians(fov_deg) / 2)


def camera_space_poses(poses, keypoints, image_size: Tuple[float, float],
                       focal_length: Optional[float] = None,
                       weights=None) -> np.ndarray:
    """Root-relative poses -> poses in the camera frame (metres).

    Args:
        poses: (T, J, 3) root-relative metres (camera axes), e.g. from
            :func:`mpm.apis.lift`; frames with NaN stay NaN.
        keypoints: (T, J, 2) pixels of the same joints (the 2D input).
        image_size: (width, height) pixels; the principal point is the
            image centre.
        focal_length: pixels; None: :func:`default_focal_length`.
        weights: optional (T, J) weights of the joints' equations (0 for
            joints the detector missed); None: all 1.

    Returns:
        (T, J, 3) float32 camera-frame metres: ``poses + T_root`` with the
        root position solved per frame by least squares.
    """
    pose = np.asarray(poses, dtype=np.float64)
    kp = np.asarray(keypoints, dtype=np.float64)[..., :2]
    if pose.ndim != 3 or pose.shape[-1] != 3 or kp.shape != pose.shape[:2] \
            + (2,):
        raise ValueError(f'poses must be (T, J, 3) and keypoints (T, J, 2) '
                         f'with the same T and J, got {pose.shape} and '
                         f'{np.shape(keypoints)}.')
    if len(image_size) != 2 or min(image_size) <= 0:
        raise ValueError(f'image_size must be (width, height) > 0 pixels, '
                         f'got {image_size}.')
    f = (default_focal_length(image_size) if focal_length is None
         else float(focal_length))
    if not f > 0:
        raise ValueError(f'the focal length must be > 0 pixels, got {f}.')
    out = np.full(pose.shape, np.nan)
    ok = np.isfinite(pose).all(axis=(1, 2)) & np.isfinite(kp).all(axis=(1, 2))
    if not ok.any():
        return out.astype(np.float32)
    w, h = (float(v) for v in image_size)
    rays = pixels_to_rays(torch.from_numpy(kp[ok]),
                          torch.tensor([f, f], dtype=torch.float64),
                          torch.tensor([w / 2, h / 2], dtype=torch.float64))
    wt = None
    if weights is not None:
        wt = torch.from_numpy(np.asarray(weights, dtype=np.float64)[ok])
    root = estimate_root_translation(rays, torch.from_numpy(pose[ok]),
                                     weights=wt).numpy()
    out[ok] = pose[ok] + root[:, None]
    return out.astype(np.float32)
