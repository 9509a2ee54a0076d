"""Write a :class:`mpm.apis.motion.TrackMotion` to disk.

Files of one track's folder (T = frames of the video):

- ``poses_3d.npy`` (T, 17, 3) float32: root-relative metres, camera axes
  (x right, y down, z away from the camera), pelvis at the origin; NaN where
  the track has no detection.
- ``poses_3d_camera.npy`` (T, 17, 3) float32: metres in the camera frame
  (camera at the origin, same axes); NaN where the track has no detection.
- ``keypoints_2d.npy`` (T, 17, 3) float64: the Human3.6M-17 2D input
  ``[u, v, score]`` in pixels (NaN where not detected).
- ``meta.json``: units, frames and shapes of these files, fps, image size,
  focal length, smoothing, the detected frames.
- with ``exports``: ``motion.json``, ``motion.csv``, ``motion.bvh`` (see
  :func:`write_motion_json`, :func:`write_motion_csv`,
  :func:`write_motion_bvh`).
"""
import csv
import json
import os
import os.path as osp
from typing import Dict, Iterable

import numpy as np

from mpm.utils import H36M_SKELETON, fill_gaps
from mpm.utils.bvh import H36M_BVH_NAMES, write_bvh
from .motion import TrackMotion

__all__ = ['save_motion', 'write_motion_json', 'write_motion_csv',
           'write_motion_bvh', 'EXPORT_FORMATS', 'UNITS_AND_FRAMES']

#: Formats of ``--export`` and their file names.
EXPORT_FORMATS = {'json': 'motion.json', 'csv': 'motion.csv',
                  'bvh': 'motion.bvh'}

CAMERA_AXES = ('x right, y down, z along the optical axis (away from the '
               'camera)')
#: What every output holds, written into meta.json and motion.json.
UNITS_AND_FRAMES = {
    'poses_3d': 'metres, root-relative (pelvis at the origin), camera axes: '
                + CAMERA_AXES,
    'poses_3d_camera': 'metres, camera frame (camera centre at the origin), '
                       'axes: ' + CAMERA_AXES,
    'keypoints_2d': 'pixels [u right, v down, score], origin at the top-left '
                    'image corner',
    'bvh': 'metres, Y up: a camera-frame point (x, y, z) is written as '
           '(x, -y, -z); camera at the origin looking along -Z; rotations '
           'are local ZXY Euler angles in degrees',
    'missing': 'NaN (null in JSON, empty in CSV) where the track has no '
               'detection',
}


def _nan_to_none(arr: np.ndarray) -> list:
    """Nested lists of floats (6 decimals) with None for NaN."""
    a = np.round(np.asarray(arr, dtype=np.float64), 6)
    return np.where(np.isfinite(a), a, None).tolist()


def _header(motion: TrackMotion) -> dict:
    return {
        'track_id': motion.name,
        'num_frames': motion.num_frames,
        'fps': motion.fps,
        'image_size': list(motion.image_size),
        'focal_length_px': motion.focal_length,
        'principal_point_px': [motion.image_size[0] / 2,
                               motion.image_size[1] / 2],
        'smoothing_frames': motion.smoothing,
        'joint_names': list(H36M_SKELETON.joint_names),
        'parents': list(H36M_SKELETON.parents),
        'units_and_frames': UNITS_AND_FRAMES,
    }


def write_motion_json(path: str, motion: TrackMotion) -> str:
    """``motion.json``: the header (track id, fps, image size, focal length,
    joint names and parents, units and frames) and one entry per video frame
    ``{"frame", "detected", "keypoints_2d", "poses_3d", "poses_3d_camera"}``
    (17 x 3 lists; null where the track has no detection)."""
    frames = []
    for t in range(motion.num_frames):
        det = bool(motion.detected[t])
        frames.append({
            'frame': t,
            'detected': det,
            'keypoints_2d': _nan_to_none(motion.keypoints_2d[t]) if det
            else None,
            'poses_3d': _nan_to_none(motion.poses_3d[t]) if det else None,
            'poses_3d_camera': _nan_to_none(motion.poses_3d_camera[t])
            if det else None,
        })
    with open(path, 'w') as f:
        json.dump({**_header(motion), 'frames': frames}, f)
    return path


def write_motion_csv(path: str, motion: TrackMotion) -> str:
    """``motion.csv``: one row per video frame: ``frame``, ``detected``
    (0/1), then ``<joint>_x_m, <joint>_y_m, <joint>_z_m`` (root-relative
    metres) and ``<joint>_cam_x_m ...`` (camera frame metres) for the 17
    joints; empty cells where the track has no detection."""
    names = H36M_SKELETON.joint_names
    header = ['frame', 'detected']
    header += [f'{n}_{a}_m' for n in names for a in 'xyz']
    header += [f'{n}_cam_{a}_m' for n in names for a in 'xyz']

    def cells(values):
        return ['' if not np.isfinite(v) else f'{v:.6f}' for v in values]

    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for t in range(motion.num_frames):
            writer.writerow(
                [t, int(motion.detected[t])] +
                cells(motion.poses_3d[t].reshape(-1)) +
                cells(motion.poses_3d_camera[t].reshape(-1)))
    return path


def write_motion_bvh(path: str, motion: TrackMotion) -> str:
    """``motion.bvh``: the camera-space motion (global trajectory) as a
    17-joint BVH (:func:`mpm.utils.bvh.write_bvh`), one BVH frame per video
    frame: frames without detection are interpolated between the nearest
    detected frames (held before the first / after the last one), since a
    BVH frame cannot be empty; ``motion.json`` says which frames were
    detected."""
    filled = fill_gaps(motion.poses_3d_camera)
    return write_bvh(path, filled, fps=motion.fps)


_WRITERS = {'json': write_motion_json, 'csv': write_motion_csv,
            'bvh': write_motion_bvh}


def save_motion(motion: TrackMotion, out_dir: str,
                exports: Iterable[str] = ()) -> Dict[str, str]:
    """Write ``poses_3d.npy``, ``poses_3d_camera.npy``, ``keypoints_2d.npy``,
    ``meta.json`` and the requested ``exports`` (``'json'``, ``'csv'``,
    ``'bvh'``) into ``out_dir``; returns name -> path."""
    exports = list(exports)
    unknown = [e for e in exports if e not in EXPORT_FORMATS]
    if unknown:
        raise ValueError(f'unknown export format(s) {unknown}: use '
                         f'{sorted(EXPORT_FORMATS)}.')
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for key, arr in (('poses_3d', motion.poses_3d),
                     ('poses_3d_camera', motion.poses_3d_camera),
                     ('keypoints_2d', motion.keypoints_2d)):
        paths[key] = osp.join(out_dir, f'{key}.npy')
        np.save(paths[key], arr)
    meta = _header(motion)
    meta['files'] = {
        'poses_3d.npy': f'({motion.num_frames}, 17, 3) float32, '
                        + UNITS_AND_FRAMES['poses_3d'],
        'poses_3d_camera.npy': f'({motion.num_frames}, 17, 3) float32, '
                               + UNITS_AND_FRAMES['poses_3d_camera'],
        'keypoints_2d.npy': f'({motion.num_frames}, 17, 3) float64, '
                            + UNITS_AND_FRAMES['keypoints_2d'],
    }
    meta['detected_frames'] = int(motion.detected.sum())
    meta['frames_without_detection'] = np.flatnonzero(
        ~motion.detected).tolist()
    meta['bvh_joint_names'] = list(H36M_BVH_NAMES)
    paths['meta'] = osp.join(out_dir, 'meta.json')
    with open(paths['meta'], 'w') as f:
        json.dump(meta, f, indent=1)
    for fmt in exports:
        paths[fmt] = _WRITERS[fmt](osp.join(out_dir, EXPORT_FORMATS[fmt]),
                                   motion)
    return paths
