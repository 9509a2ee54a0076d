"""One person's motion through a video: 2D keypoints -> root-relative and
camera-space 3D poses, frame-aligned with the video."""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from torch import nn

from mpm.datasets.keypoint_layouts import build_keypoint_converter
from .camera_space import camera_space_poses, default_focal_length
from .lift import fill_missing_joints, lift
from .smoothing import smooth_poses

__all__ = ['TrackMotion', 'lift_track', 'EmptyTrackError']


class EmptyTrackError(ValueError):
    """A track none of whose frames has a detected joint."""


@dataclass
class TrackMotion:
    """The lifted motion of one tracked person (T = frames of the video).

    Attributes:
        name: track id (``'0'`` for a single untracked person).
        keypoints_2d: (T, 17, 3) Human3.6M-17 ``[u, v, score]`` pixels, the
            converted 2D input; NaN ``u, v`` (score 0) where a joint was not
            detected.
        poses_3d: (T, 17, 3) float32 root-relative metres, camera axes (x
            right, y down, z away from the camera), pelvis at the origin.
        poses_3d_camera: (T, 17, 3) float32 metres in the camera frame
            (camera at the origin, same axes).
        detected: (T,) bool, frames in which the track has a detection;
            both pose arrays are NaN elsewhere.
        image_size: (width, height) pixels.
        focal_length: pixels (principal point at the image centre).
        fps: frames per second of the video.
        smoothing: the temporal smoothing strength used (0: none).
    """
    name: str
    keypoints_2d: np.ndarray
    poses_3d: np.ndarray
    poses_3d_camera: np.ndarray
    detected: np.ndarray
    image_size: Tuple[int, int]
    focal_length: float
    fps: float
    smoothing: float = 0.0

    @property
    def num_frames(self) -> int:
        return int(self.detected.shape[0])


def lift_track(model: nn.Module, keypoints, image_size: Tuple[int, int],
               layout: str = 'coco', name: str = '0',
               focal_length: Optional[float] = None, smoothing: float = 0.0,
               fps: float = 25.0, **lift_kwargs) -> TrackMotion:
    """Lift one person's keypoints of a whole video.

    The frames from the track's first to its last detection are lifted
    with :func:`mpm.apis.lift` (its own windows, edge-padded at the track's
    ends; missing joints and frames without detection inside are filled in
    time and passed as hidden joints); poses are optionally smoothed
    (:func:`mpm.apis.smoothing.smooth_poses`, ``smoothing`` frames) and
    placed in the camera (:func:`mpm.apis.camera_space.camera_space_poses`,
    the root trajectory smoothed with the same strength).

    Args:
        model: the lifter (PyTorch or :class:`mpm.apis.onnx_lifter.
            OnnxLifter`).
        keypoints: (T, K, 3) ``[x, y, score]`` pixels of ``layout``, NaN
            rows where the person was not detected.
        image_size: (width, height) pixels.
        layout: keypoint layout name.
        name: the track id.
        focal_length: pixels; None: the default field of view
            (:func:`mpm.apis.camera_space.default_focal_length`).
        smoothing: temporal smoothing strength in frames (0: off).
        fps: frame rate (stored for the exports).
        **lift_kwargs: ``batch_size``, ``flip``, ``score_threshold``,
            ``dilation`` of :func:`mpm.apis.lift`.

    Returns:
        :class:`TrackMotion`.

    Raises:
        EmptyTrackError: no frame of the track has a detected joint.
    """
    kp17, scores = build_keypoint_converter(layout)(keypoints)
    T = kp17.shape[0]
    missing = np.isnan(kp17).any(-1)
    detected = ~missing.all(-1)
    if not detected.any():
        raise EmptyTrackError(
            f"track '{name}': no frame has a detected joint (all keypoints "
            'are NaN, null or (0, 0)); the 2D detector found no person.')
    first, last = np.flatnonzero(detected)[[0, -1]]
    span = slice(first, last + 1)
    poses = np.full((T, 17, 3), np.nan)
    poses[span] = lift(model, np.asarray(keypoints)[span], image_size,
                       layout=layout, **lift_kwargs)
    poses = smooth_poses(poses, smoothing) if smoothing else poses
    f = (default_focal_length(image_size) if focal_length is None else
         float(focal_length))
    filled = np.full((T, 17, 2), np.nan)
    filled[span] = fill_missing_joints(kp17[span])[0]
    camera = camera_space_poses(poses, filled, image_size, f,
                                weights=(~missing).astype(np.float64))
    if smoothing:
        camera = poses + smooth_poses(camera[:, :1], smoothing)
    kp_out = np.concatenate([kp17, scores[..., None]], -1)
    return TrackMotion(name=name, keypoints_2d=kp_out,
                       poses_3d=poses.astype(np.float32),
                       poses_3d_camera=np.asarray(camera, np.float32),
                       detected=detected,
                       image_size=(int(image_size[0]), int(image_size[1])),
                       focal_length=f, fps=float(fps),
                       smoothing=float(smoothing))
