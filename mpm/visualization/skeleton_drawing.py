"""Draw 2D and 3D skeletons on matplotlib axes (Agg, no pyplot).

Colours: the subject's left side blue, right side red, the centre line
(spine, neck, head) black. Both functions either create the bone lines or,
given the lines they returned before, move them (fast animation updates).

3D axes show a camera-frame pose (x right, y down, z away from the camera,
metres) upright: plot X = x, plot Y = z (depth), plot Z = -y (up).
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mpm.utils.skeleton import H36M_SKELETON, Skeleton

__all__ = ['bone_colors', 'draw_pose_2d', 'draw_pose_3d', 'camera_to_plot',
           'set_3d_limits']

LEFT_COLOR = '#1f77b4'
RIGHT_COLOR = '#d62728'
CENTRE_COLOR = '#222222'


def bone_colors(skeleton: Skeleton = H36M_SKELETON) -> List[str]:
    """One colour per bone of ``skeleton.bones`` (by the child joint's
    side)."""
    colors = []
    for _, child in skeleton.bones:
        if child in skeleton.left:
            colors.append(LEFT_COLOR)
        elif child in skeleton.right:
            colors.append(RIGHT_COLOR)
        else:
            colors.append(CENTRE_COLOR)
    return colors


def _check_pose(pose, channels: int, skeleton: Skeleton) -> np.ndarray:
    pose = np.asarray(pose, dtype=np.float64)
    if pose.ndim != 2 or pose.shape[0] != skeleton.num_joints or \
            pose.shape[1] < channels:
        raise ValueError(
            f'expected one pose of shape ({skeleton.num_joints}, '
            f'{channels}) for the {skeleton.name} skeleton, got {pose.shape}')
    return pose[:, :channels]


def draw_pose_2d(ax, pose, skeleton: Skeleton = H36M_SKELETON,
                 lines: Optional[list] = None, linewidth: float = 2.0,
                 markersize: float = 3.0, invert_y: bool = True) -> list:
    """Draw (or move) one 2D pose.

    Args:
        ax: a 2D matplotlib axes.
        pose: (J, 2) image coordinates (pixels or normalised screen units;
            extra columns such as scores are ignored).
        skeleton: bones and sides.
        lines: the list returned by a previous call on ``ax``: the lines
            are moved instead of created.
        invert_y: image convention (y down); sets the axis inverted on
            creation.

    Returns:
        The bone lines (one ``Line2D`` per bone).
    """
    pose = _check_pose(pose, 2, skeleton)
    if lines is not None:
        for line, (p, c) in zip(lines, skeleton.bones):
            line.set_data(pose[[p, c], 0], pose[[p, c], 1])
        return lines
    lines = []
    for color, (p, c) in zip(bone_colors(skeleton), skeleton.bones):
        line, = ax.plot(pose[[p, c], 0], pose[[p, c], 1], color=color,
                        linewidth=linewidth, marker='o',
                        markersize=markersize)
        lines.append(line)
    ax.set_aspect('equal')
    if invert_y and not ax.yaxis_inverted():
        ax.invert_yaxis()
    return lines


def camera_to_plot(pose: np.ndarray) -> np.ndarray:
    """Camera frame (x right, y down, z forward) -> plot frame (x, z, -y):
    (..., 3) -> (..., 3)."""
    pose = np.asarray(pose, dtype=np.float64)
    return np.stack([pose[..., 0], pose[..., 2], -pose[..., 1]], axis=-1)


def set_3d_limits(ax, centre: Sequence[float] = (0, 0, 0),
                  radius: float = 1.0) -> None:
    """A cube of half-size ``radius`` (metres) around ``centre`` (plot
    frame), equal aspect."""
    cx, cy, cz = centre
    ax.set_xlim3d(cx - radius, cx + radius)
    ax.set_ylim3d(cy - radius, cy + radius)
    ax.set_zlim3d(cz - radius, cz + radius)
    try:
        ax.set_box_aspect((1, 1, 1))
    except AttributeError:  # very old matplotlib
        pass


def draw_pose_3d(ax, pose, skeleton: Skeleton = H36M_SKELETON,
                 lines: Optional[list] = None, radius: Optional[float] = 1.0,
                 linewidth: float = 2.0, markersize: float = 2.5,
                 view: Tuple[float, float] = (15.0, -70.0)) -> list:
    """Draw (or move) one 3D pose on a ``projection='3d'`` axes.

    Args:
        ax: a 3D axes (``fig.add_subplot(..., projection='3d')``).
        pose: (J, 3) camera-frame metres (root-relative or not).
        skeleton: bones and sides.
        lines: lines returned by a previous call (moved, not created).
        radius: half-size (m) of the cube shown around the root joint, set
            on creation; None leaves the limits alone.
        view: (elevation, azimuth) in degrees, set on creation.

    Returns:
        The bone lines (one ``Line3D`` per bone).
    """
    pose = camera_to_plot(_check_pose(pose, 3, skeleton))
    if lines is not None:
        for line, (p, c) in zip(lines, skeleton.bones):
            line.set_data_3d(pose[[p, c], 0], pose[[p, c], 1],
                             pose[[p, c], 2])
        return lines
    lines = []
    for color, (p, c) in zip(bone_colors(skeleton), skeleton.bones):
        line, = ax.plot(pose[[p, c], 0], pose[[p, c], 1], pose[[p, c], 2],
                        color=color, linewidth=linewidth, marker='o',
                        markersize=markersize)
        lines.append(line)
    if radius is not None:
        set_3d_limits(ax, pose[skeleton.root], radius)
    ax.view_init(elev=view[0], azim=view[1])
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_ticklabels([])
    return lines
