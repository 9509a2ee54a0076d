"""Figure of masking strategies on a skeleton-by-time grid (MPM Figure B).

One row per strategy: a strip of stick figures for the first frames (hidden
joints drawn as hollow grey circles, hidden frames faded) above a joints x
frames grid of the whole window (dark = hidden).

Command line::

    python -m mpm.visualization.mask_figure --out work_dirs/masks.png \
        --frames 27 --seed 0
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import nn

from mpm.utils.skeleton import H36M_SKELETON, Skeleton

#: A standing Human3.6M-17 pose facing the viewer, (17, 2), y up, metres-ish;
#: the subject's right side is on the image's left.
CANONICAL_POSE_2D = np.array(
    [[0.0, 0.0], [-0.13, 0.0], [-0.15, -0.44], [-0.16, -0.88], [0.13, 0.0],
     [0.15, -0.44], [0.16, -0.88], [0.0, 0.24], [0.0, 0.49], [0.0, 0.6],
     [0.0, 0.72], [0.15, 0.47], [0.2, 0.2], [0.22, -0.04], [-0.15, 0.47],
     [-0.2, 0.2], [-0.22, -0.04]],
    dtype=np.float64)


def default_mask_strategies() -> 'OrderedDict[str, dict]':
    """The three strategies of MPM's Table B, at about 71.8% hidden.

    Spatial (tube): 12 of 17 joints in every frame; temporal: 71.8% of the
    frames; spatio-temporal (MPM default): 60% of the frames + 5 joints in
    each other frame.
    """
    return OrderedDict([
        ('spatial', dict(type='SpatialMasker', num_joints=12)),
        ('temporal', dict(type='TemporalMasker', frame_ratio=0.718)),
        ('spatio-temporal',
         dict(type='SpatioTemporalMasker', num_joints=5, frame_ratio=0.6)),
    ])


def sample_masks(maskers: Mapping[str, Union[dict, nn.Module]],
                 num_frames: int = 27, num_joints: int = 17,
                 seed: int = 0) -> 'OrderedDict[str, np.ndarray]':
    """One (T, J) bool mask per masker, drawn with a fixed seed.

    torch's global RNG state is restored afterwards (the draw happens inside
    ``torch.random.fork_rng``), so drawing a figure does not change a run.
    """
    from mpm.models.maskers import build_masker
    masks = OrderedDict()
    x = torch.zeros(1, num_frames, num_joints, 2)
    with torch.random.fork_rng(devices=[]):
        for i, (name, cfg) in enumerate(maskers.items()):
            torch.manual_seed(seed + i)
            masks[name] = build_masker(cfg)(x)[0].cpu().numpy()
    return masks


def draw_skeleton(ax, pose: np.ndarray, hidden: np.ndarray,
                  skeleton: Skeleton = H36M_SKELETON,
                  faded: bool = False) -> None:
    """Draw one 2D pose (J, 2), y up; ``hidden`` (J,) bool joints hollow.

    Bones touching a hidden joint are dashed and grey; a ``faded`` frame (all
    joints hidden) is drawn light grey.
    """
    visible_color = '#1f77b4'
    hidden_color = '#bbbbbb' if faded else '#888888'
    for parent, child in skeleton.bones:
        bad = hidden[parent] or hidden[child]
        ax.plot(pose[[parent, child], 0], pose[[parent, child], 1],
                color=hidden_color if bad else visible_color,
                linestyle='--' if bad else '-', linewidth=1.0)
    vis = ~hidden
    ax.scatter(pose[vis, 0], pose[vis, 1], s=8, color='#d62728', zorder=3)
    ax.scatter(pose[hidden, 0], pose[hidden, 1], s=10, facecolors='none',
               edgecolors=hidden_color, linewidths=0.8, zorder=3)
    ax.set_aspect('equal')
    ax.axis('off')


def draw_mask_grid(ax, mask: np.ndarray,
                   joint_names: Optional[Sequence[str]] = None) -> None:
    """Joints x frames grid of a (T, J) mask: dark = hidden."""
    T, J = mask.shape
    ax.imshow(mask.T.astype(float), cmap='Greys', vmin=0, vmax=1.4,
              aspect='auto', interpolation='nearest')
    ax.set_xlabel('frame')
    ax.set_xticks(range(0, T, max(1, T // 9)))
    if joint_names is not None and len(joint_names) == J:
        ax.set_yticks(range(J))
        ax.set_yticklabels(joint_names, fontsize=5)
    else:
        ax.set_ylabel('joint')
    ax.set_xticks(np.arange(-0.5, T, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, J, 1), minor=True)
    ax.grid(which='minor', color='white', linewidth=0.3)
    ax.tick_params(which='minor', length=0)


def mask_strategies_figure(
        out_file: str,
        maskers: Optional[Mapping[str, Union[dict, nn.Module]]] = None,
        num_frames: int = 27,
        num_show: int = 9,
        poses: Optional[np.ndarray] = None,
        skeleton: Skeleton = H36M_SKELETON,
        seed: int = 0,
        dpi: int = 150) -> Dict[str, np.ndarray]:
    """Draw masking strategies on a skeleton-by-time grid and save a PNG.

    Args:
        out_file: PNG path (folders are created).
        maskers: name -> masker config or module; the three strategies of
            :func:`default_mask_strategies` by default.
        num_frames: window length T.
        num_show: frames drawn as stick figures (the first ones).
        poses: optional (T, J, 2) poses to draw, y up (normalised screen
            coordinates must be flipped: pass ``poses * [1, -1]``); a
            standing pose otherwise.
        skeleton: joint names and bones (Human3.6M-17).
        seed: seed of the masks.
        dpi: resolution.

    Returns:
        name -> (T, J) bool mask that was drawn (True = hidden).
    """
    maskers = default_mask_strategies() if maskers is None else maskers
    J = skeleton.num_joints
    if poses is None:
        poses = np.broadcast_to(CANONICAL_POSE_2D[:J], (num_frames, J, 2))
    poses = np.asarray(poses, dtype=np.float64)
    if poses.shape != (num_frames, J, 2):
        raise ValueError(f'poses must have shape (T={num_frames}, J={J}, 2), '
                         f'got {poses.shape}')
    masks = sample_masks(maskers, num_frames, J, seed)
    num_show = min(num_show, num_frames)
    rows = len(masks)
    fig = Figure(figsize=(max(6.0, 0.75 * num_show), 3.2 * rows))
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2 * rows, num_show, height_ratios=[1, 1.3] * rows,
                            hspace=0.7, wspace=0.05)
    for r, (name, mask) in enumerate(masks.items()):
        ratio = 100.0 * mask.mean()
        for t in range(num_show):
            ax = fig.add_subplot(grid[2 * r, t])
            draw_skeleton(ax, poses[t], mask[t], skeleton,
                          faded=bool(mask[t].all()))
            if t == 0:
                ax.set_title(f'{name}: {ratio:.1f}% hidden', loc='left',
                             fontsize=9)
        draw_mask_grid(fig.add_subplot(grid[2 * r + 1, :]), mask,
                       skeleton.joint_names)
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out_file, dpi=dpi, bbox_inches='tight')
    return dict(masks)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        description='Draw the spatial, temporal and spatio-temporal masking '
        'strategies (MPM Figure B) to a PNG.')
    parser.add_argument('--out', default='work_dirs/mask_strategies.png')
    parser.add_argument('--frames', type=int, default=27)
    parser.add_argument('--show', type=int, default=9,
                        help='frames drawn as stick figures')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    masks = mask_strategies_figure(args.out, num_frames=args.frames,
                                   num_show=args.show, seed=args.seed)
    for name, mask in masks.items():
        print(f'{name}: {100 * mask.mean():.1f}% hidden')
    print(f'saved {args.out}')


if __name__ == '__main__':
    main()
