"""Render lifted videos and ground-truth comparisons (matplotlib Agg).

- :func:`render_animation`: the 2D input beside the 3D skeleton, one frame
  per video frame, as a GIF (``PillowWriter``) or an MP4 (``FFMpegWriter``,
  only when ``ffmpeg`` is on the PATH; otherwise a GIF is written instead).
- :func:`render_comparison`: ground truth beside prediction as a PNG
  (the qualitative figure of the MPM paper, Figure 5), optionally with the
  2D input in a first column.
"""
import os
import os.path as osp
import shutil
import warnings
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mpm.utils.skeleton import H36M_SKELETON, Skeleton
from .skeleton_drawing import (camera_to_plot, draw_pose_2d, draw_pose_3d,
                               set_3d_limits)

__all__ = ['render_animation', 'render_comparison', 'ffmpeg_available']


def ffmpeg_available() -> bool:
    """Whether an ``ffmpeg`` executable is on the PATH (needed for MP4)."""
    return shutil.which('ffmpeg') is not None


def _limits_2d(points: np.ndarray, image_size: Optional[Tuple[int, int]],
               margin: float = 0.1) -> Tuple[Tuple[float, float],
                                             Tuple[float, float]]:
    if image_size is not None:
        return (0.0, float(image_size[0])), (float(image_size[1]), 0.0)
    finite = points[np.isfinite(points).all(axis=-1)]
    if finite.size == 0:
        return (-1.0, 1.0), (1.0, -1.0)
    lo, hi = finite.min(axis=0), finite.max(axis=0)
    pad = margin * max(float((hi - lo).max()), 1e-6)
    return (lo[0] - pad, hi[0] + pad), (hi[1] + pad, lo[1] - pad)


def _writer_for(out_path: str, fps: float):
    from matplotlib.animation import FFMpegWriter, PillowWriter
    ext = osp.splitext(out_path)[1].lower()
    if ext == '.gif':
        return out_path, PillowWriter(fps=fps)
    if ext == '.mp4':
        if ffmpeg_available():
            return out_path, FFMpegWriter(fps=fps)
        gif = osp.splitext(out_path)[0] + '.gif'
        warnings.warn(f'ffmpeg is not on the PATH: writing {gif} instead of '
                      f'{out_path}.', UserWarning, stacklevel=3)
        return gif, PillowWriter(fps=fps)
    raise ValueError(f"'{out_path}': the animation must end in .gif or .mp4.")


def render_animation(keypoints_2d, poses_3d, out_path: str,
                     fps: float = 25.0,
                     image_size: Optional[Tuple[int, int]] = None,
                     skeleton: Skeleton = H36M_SKELETON,
                     radius: float = 1.0, dpi: int = 80,
                     title: Optional[str] = None,
                     frames: Optional[Iterable[np.ndarray]] = None) -> str:
    """Animate the 2D input beside the lifted 3D skeleton.

    Frames whose poses are NaN (no detection) show no skeleton.

    Args:
        keypoints_2d: (T, J, 2) pixels (extra columns such as scores are
            ignored), image convention (y down).
        poses_3d: (T, J, 3) camera-frame metres (root-relative), drawn
            upright (see :mod:`mpm.visualization.skeleton_drawing`).
        out_path: ``.gif`` or ``.mp4`` (MP4 needs ffmpeg; without it the
            GIF next to it is written and a warning says so).
        fps: frames per second of the animation.
        image_size: (width, height): the 2D panel shows the whole image;
            None fits the keypoints.
        skeleton: bones and sides.
        radius: half-size (m) of the 3D cube around the root.
        dpi: resolution (the figure is 8 x 4 inches).
        title: figure title.
        frames: optional video frames ((H, W, 3) uint8 RGB, one per pose
            frame, e.g. a :class:`mpm.apis.video.FrameSource`) drawn under
            the 2D skeleton.

    Returns:
        The path written.
    """
    kp = np.asarray(keypoints_2d, dtype=np.float64)
    poses = np.asarray(poses_3d, dtype=np.float64)
    J = skeleton.num_joints
    if kp.ndim != 3 or kp.shape[1] != J or kp.shape[2] < 2:
        raise ValueError(f'keypoints_2d must be (T, {J}, 2), got {kp.shape}')
    if poses.shape != (kp.shape[0], J, 3):
        raise ValueError(f'poses_3d must be (T={kp.shape[0]}, {J}, 3) like '
                         f'keypoints_2d {kp.shape}, got {poses.shape}')
    if kp.shape[0] == 0:
        raise ValueError('nothing to render: T = 0 frames.')
    kp = kp[..., :2]
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    out_path, writer = _writer_for(out_path, fps)

    fig = Figure(figsize=(8, 4))
    FigureCanvasAgg(fig)
    ax2d = fig.add_subplot(1, 2, 1)
    ax3d = fig.add_subplot(1, 2, 2, projection='3d')
    if title:
        fig.suptitle(title)
    xlim, ylim = _limits_2d(kp.reshape(-1, 2), image_size)
    lines_2d = draw_pose_2d(ax2d, kp[0], skeleton, invert_y=False)
    ax2d.set_xlim(*xlim)
    ax2d.set_ylim(*ylim)  # (bottom, top): y down
    ax2d.set_title('2D input')
    lines_3d = draw_pose_3d(ax3d, poses[0], skeleton, radius=None)
    roots = camera_to_plot(poses[:, skeleton.root])
    roots = roots[np.isfinite(roots).all(-1)]
    centre = roots.mean(axis=0) if len(roots) else np.zeros(3)
    set_3d_limits(ax3d, centre, radius)
    ax3d.set_title('3D')
    # A white box keeps the frame number readable on any video frame (and
    # frames of a dark video without a person distinct: a GIF writer
    # would merge identical frames).
    label = ax2d.text(0.02, 0.98, '', transform=ax2d.transAxes, va='top',
                      fontsize=8, zorder=5,
                      bbox=dict(facecolor='white', edgecolor='none',
                                alpha=0.8, pad=1))
    image = None
    frame_iter = iter(frames) if frames is not None else None
    with writer.saving(fig, out_path, dpi):
        for t in range(kp.shape[0]):
            frame = next(frame_iter, None) if frame_iter is not None \
                else None
            if frame is not None:
                if image is None:
                    h, w = frame.shape[:2]
                    image = ax2d.imshow(frame, extent=(0, w, h, 0),
                                        zorder=0)
                    ax2d.set_xlim(0, w)
                    ax2d.set_ylim(h, 0)
                else:
                    image.set_data(frame)
            draw_pose_2d(ax2d, kp[t], skeleton, lines=lines_2d)
            draw_pose_3d(ax3d, poses[t], skeleton, lines=lines_3d)
            label.set_text(f'frame {t}')
            writer.grab_frame()
    return out_path


def render_comparison(gt_3d, pred_3d, out_png: str,
                      keypoints_2d=None, title: Optional[str] = None,
                      skeleton: Skeleton = H36M_SKELETON,
                      labels: Sequence[str] = ('Ground truth', 'Prediction'),
                      radius: float = 1.0, dpi: int = 100) -> str:
    """Ground truth beside prediction (MPM paper, Figure 5) as a PNG.

    Args:
        gt_3d, pred_3d: (J, 3) or (N, J, 3) camera-frame metres; N rows.
            Each pose is drawn around its own root.
        out_png: output path (folders are created).
        keypoints_2d: optional (J, 2) or (N, J, 2) 2D input (pixels or
            normalised screen coordinates, y down), drawn in a first
            column.
        title: figure title.
        labels: column titles of the GT and prediction panels; the
            prediction panel also shows its MPJPE (mm) to the GT.
        radius: half-size (m) of each 3D cube.

    Returns:
        ``out_png``.
    """
    gt = np.asarray(gt_3d, dtype=np.float64)
    pred = np.asarray(pred_3d, dtype=np.float64)
    if gt.ndim == 2:
        gt, pred = gt[None], pred[None]
    J = skeleton.num_joints
    if gt.ndim != 3 or gt.shape[1:] != (J, 3) or pred.shape != gt.shape:
        raise ValueError(f'gt_3d and pred_3d must both be (J={J}, 3) or '
                         f'(N, {J}, 3), got {np.shape(gt_3d)} and '
                         f'{np.shape(pred_3d)}')
    kp = None
    if keypoints_2d is not None:
        kp = np.asarray(keypoints_2d, dtype=np.float64)
        kp = kp[None] if kp.ndim == 2 else kp
        if kp.shape[:2] != gt.shape[:2]:
            raise ValueError(f'keypoints_2d must be (N={gt.shape[0]}, {J}, 2)'
                             f', got {np.shape(keypoints_2d)}')
    rows, cols = gt.shape[0], 3 if kp is not None else 2
    fig = Figure(figsize=(3.2 * cols, 3.2 * rows))
    FigureCanvasAgg(fig)
    root = skeleton.root
    for r in range(rows):
        col = 1
        if kp is not None:
            ax = fig.add_subplot(rows, cols, r * cols + col)
            draw_pose_2d(ax, kp[r, :, :2], skeleton)
            ax.set_title('2D input', fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            col += 1
        mpjpe = 1000 * np.linalg.norm(
            (pred[r] - pred[r, root]) - (gt[r] - gt[r, root]), axis=-1).mean()
        for pose, name in ((gt[r], labels[0]),
                           (pred[r], f'{labels[1]}\nMPJPE {mpjpe:.1f} mm')):
            ax = fig.add_subplot(rows, cols, r * cols + col, projection='3d')
            draw_pose_3d(ax, pose - pose[root], skeleton, radius=radius)
            ax.set_title(name, fontsize=9)
            col += 1
    if title:
        fig.suptitle(title, fontsize=10)
    head = (0.7 if title else 0.4) / (3.2 * rows)  # inches -> fraction
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - head,
                        wspace=0.05, hspace=0.2)
    os.makedirs(osp.dirname(osp.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png, dpi=dpi)
    return out_png
