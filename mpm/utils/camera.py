"""Human3.6M camera geometry: the public calibration table and the transforms.

Units: world and camera coordinates in metres, image coordinates in pixels,
normalised screen coordinates as ``x / w * 2 - [1, h / w]`` (x in [-1, 1]).
Orientation quaternions are [w, x, y, z] and rotate camera to world, so
``X_cam = R^T (X_world - t)`` with ``t`` the camera centre in the world.
"""
import json
import os.path as osp
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List

import numpy as np

CAMERA_TABLE = osp.join(osp.dirname(__file__), 'data', 'h36m_cameras.json')


@dataclass(frozen=True)
class Camera:
    """One calibrated Human3.6M camera for one subject.

    Attributes:
        id: camera id, e.g. '54138969'.
        rotation: (3, 3) float64, camera-to-world rotation R.
        translation: (3,) float64, camera centre in world coordinates (m).
        focal_length: (2,) pixels. center: (2,) pixels.
        radial: (3,) k1, k2, k3. tangential: (2,) p1, p2.
        res_w, res_h: image size in pixels.
    """
    id: str
    rotation: np.ndarray
    translation: np.ndarray
    focal_length: np.ndarray
    center: np.ndarray
    radial: np.ndarray
    tangential: np.ndarray
    res_w: int
    res_h: int


def quaternion_to_matrix(q) -> np.ndarray:
    """Rotation matrix (3, 3) of a unit quaternion [w, x, y, z] (float64)."""
    w, x, y, z = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


@lru_cache(maxsize=None)
def _load_table() -> dict:
    with open(CAMERA_TABLE) as f:
        return json.load(f)


def h36m_cameras() -> Dict[str, List[Camera]]:
    """The public Human3.6M calibration: subject -> 4 cameras in file order."""
    table = _load_table()
    cams = {}
    for subject, extrinsics in table['extrinsics'].items():
        cams[subject] = [
            Camera(
                id=intr['id'],
                rotation=quaternion_to_matrix(ext['orientation']),
                translation=np.asarray(ext['translation'], np.float64) / 1000,
                focal_length=np.asarray(intr['focal_length'], np.float64),
                center=np.asarray(intr['center'], np.float64),
                radial=np.asarray(intr['radial_distortion'], np.float64),
                tangential=np.asarray(intr['tangential_distortion'],
                                      np.float64),
                res_w=int(intr['res_w']),
                res_h=int(intr['res_h']))
            for intr, ext in zip(table['intrinsics'], extrinsics)
        ]
    return cams


def world_to_camera(points: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) world metres -> (..., 3) camera metres: R^T (X - t)."""
    return (points - camera.translation) @ camera.rotation


def camera_to_world(points: np.ndarray, camera: Camera) -> np.ndarray:
    """(..., 3) camera metres -> (..., 3) world metres: R X + t."""
    return points @ camera.rotation.T + camera.translation


def project_to_pixels(points_cam: np.ndarray, camera: Camera,
                      distort: bool = True) -> np.ndarray:
    """Pinhole projection of camera-frame points (..., 3) m to pixels (..., 2).

    With ``distort`` the Brown-Conrady model is applied to the normalised
    image coordinates: radial ``1 + k1 r^2 + k2 r^4 + k3 r^6`` and tangential
    ``(2 p1 x y + p2 (r^2 + 2 x^2), p1 (r^2 + 2 y^2) + 2 p2 x y)``.
    """
    xy = points_cam[..., :2] / points_cam[..., 2:3]
    if distort:
        x, y = xy[..., 0], xy[..., 1]
        r2 = x * x + y * y
        k1, k2, k3 = camera.radial
        p1, p2 = camera.tangential
        radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
        xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
        xy = np.stack([xd, yd], axis=-1)
    return xy * camera.focal_length + camera.center


def normalize_screen(pixels: np.ndarray, w: int, h: int) -> np.ndarray:
    """Pixels (..., 2) -> normalised screen coordinates ``x / w * 2 - [1, h/w]``."""
    return pixels / w * 2 - np.array([1, h / w], dtype=pixels.dtype)


def denormalize_screen(coords: np.ndarray, w: int, h: int) -> np.ndarray:
    """Inverse of :func:`normalize_screen`: normalised coordinates -> pixels."""
    return (coords + np.array([1, h / w], dtype=coords.dtype)) * w / 2


def camera_params_of(camera: Camera) -> Dict[str, np.ndarray]:
    """Intrinsics of a camera as float32 arrays (what the pose refiner reads
    from ``camera_params``): ``focal_length`` (2,) px, ``center`` (2,) px,
    ``res`` (2,) ``[w, h]`` px, ``radial`` (3,), ``tangential`` (2,)."""
    return dict(
        focal_length=np.asarray(camera.focal_length, np.float32),
        center=np.asarray(camera.center, np.float32),
        res=np.array([camera.res_w, camera.res_h], np.float32),
        radial=np.asarray(camera.radial, np.float32),
        tangential=np.asarray(camera.tangential, np.float32))
