"""Write 3D joint positions as a BVH motion file (Blender, MotionBuilder...).

The skeleton of the file is the Human3.6M-17 tree of
:data:`mpm.utils.skeleton.H36M_SKELETON` (17 ``JOINT`` s, root ``Hips``
with 6 channels ``Xposition Yposition Zposition Zrotation Xrotation
Yrotation``, every other joint 3 channels ``Zrotation Xrotation
Yrotation``; the five leaves end in an ``End Site``). Conventions:

- Axes: BVH / Blender's importer default, Y up. A camera-frame point
  ``(x right, y down, z away from the camera)`` is written as ``(x, -y,
  -z)`` (a 180 degree turn about x): the camera sits at the origin looking
  along -Z, and a person facing the camera faces +Z.
- Units: metres (Blender imports them 1:1 with its default scale).
- Rest pose (the ``OFFSET`` s): a T-pose facing +Z (legs down, spine up,
  arms out sideways), bone lengths = the median over the frames of each
  bone's length in the input. The bones leaving the pelvis (hips, spine)
  and the thorax (neck, shoulders) keep the mean shape they have in the
  input, expressed in the T-pose's axes (left-right line along X, the
  upward bone in the X-Y plane), so that one rotation can place all of
  them.
- Rotations: per frame, each joint's rotation is fitted to the positions
  in the tree's order: the root position is the input pelvis; a joint with
  one child gets the smallest rotation that points its bone (rest offset)
  at the child's input position from the joint's fitted position; a joint
  with several children (pelvis: hips and spine; thorax: neck and
  shoulders) gets the least-squares rotation of all its child offsets
  (Kabsch); leaves keep their parent's orientation. Channels hold the
  local rotation ``parent^T @ joint`` as Euler angles in degrees, ``R =
  Rz(z) @ Rx(x) @ Ry(y)`` (the channel order), unwrapped over time.

Input whose bones are rigid (constant lengths and constant angles between
the bones leaving one joint, e.g. positions made by forward kinematics of
this tree) is reproduced exactly; for lifted poses, whose bone lengths vary
a little, :func:`bvh_fit_error` reports the distance between the input
and the file's forward kinematics.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .skeleton import H36M_SKELETON, Skeleton

__all__ = ['write_bvh', 'fit_bvh', 'bvh_forward_kinematics', 'bvh_fit_error',
           'H36M_BVH_NAMES', 'euler_zxy_from_matrix', 'matrix_from_euler_zxy']

#: BVH joint names of the Human3.6M-17 joints (in joint order).
H36M_BVH_NAMES = ('Hips', 'RightUpLeg', 'RightLeg', 'RightFoot', 'LeftUpLeg',
                  'LeftLeg', 'LeftFoot', 'Spine', 'Thorax', 'Neck', 'Head',
                  'LeftArm', 'LeftForeArm', 'LeftHand', 'RightArm',
                  'RightForeArm', 'RightHand')

#: T-pose direction (BVH axes: +X the person's left, +Y up, +Z forward) of
#: the bone from each Human3.6M-17 joint's parent to the joint.
_H36M_REST_DIRECTIONS = np.array([
    [0, 0, 0],                                # pelvis (root)
    [-1, 0, 0], [0, -1, 0], [0, -1, 0],       # right hip, knee, ankle
    [1, 0, 0], [0, -1, 0], [0, -1, 0],        # left hip, knee, ankle
    [0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0],  # spine, thorax, neck, head
    [1, 0, 0], [1, 0, 0], [1, 0, 0],          # left shoulder, elbow, wrist
    [-1, 0, 0], [-1, 0, 0], [-1, 0, 0],       # right shoulder, elbow, wrist
], dtype=np.float64)

#: Camera frame (x right, y down, z forward) -> BVH frame (Y up).
_CAMERA_TO_BVH = np.array([1.0, -1.0, -1.0])


def matrix_from_euler_zxy(angles_deg: np.ndarray) -> np.ndarray:
    """(..., 3) Euler angles ``(z, x, y)`` in degrees -> (..., 3, 3)
    rotation ``Rz(z) @ Rx(x) @ Ry(y)``."""
    z, x, y = np.moveaxis(np.radians(angles_deg), -1, 0)
    cz, sz, cx, sx, cy, sy = (np.cos(z), np.sin(z), np.cos(x), np.sin(x),
                              np.cos(y), np.sin(y))
    return np.stack([
        np.stack([cz * cy - sz * sx * sy, -sz * cx, cz * sy + sz * sx * cy],
                 -1),
        np.stack([sz * cy + cz * sx * sy, cz * cx, sz * sy - cz * sx * cy],
                 -1),
        np.stack([-cx * sy, sx, cx * cy], -1),
    ], -2)


def euler_zxy_from_matrix(rot: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations -> (..., 3) Euler angles ``(z, x, y)`` in
    degrees with ``rot = Rz(z) @ Rx(x) @ Ry(y)``, ``x`` in [-90, 90].

    At the singularity (``x = +-90``) ``y`` is set to 0 and ``z`` carries
    the whole remaining rotation.
    """
    r = np.asarray(rot, dtype=np.float64)
    sx = np.clip(r[..., 2, 1], -1.0, 1.0)
    x = np.arcsin(sx)
    regular = np.abs(sx) < 1 - 1e-9
    z = np.where(regular, np.arctan2(-r[..., 0, 1], r[..., 1, 1]),
                 np.arctan2(r[..., 1, 0], r[..., 0, 0]))
    y = np.where(regular, np.arctan2(-r[..., 2, 0], r[..., 2, 2]), 0.0)
    return np.degrees(np.stack([z, x, y], -1))


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 3), (N, 3) -> (N, 3, 3): smallest rotations taking direction a to
    direction b (Rodrigues; a half turn about an axis normal to a when they
    are opposite)."""
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    v = np.cross(a, b)
    c = np.einsum('ni,ni->n', a, b)
    vx = np.zeros(a.shape[:1] + (3, 3))
    vx[:, 0, 1], vx[:, 0, 2] = -v[:, 2], v[:, 1]
    vx[:, 1, 0], vx[:, 1, 2] = v[:, 2], -v[:, 0]
    vx[:, 2, 0], vx[:, 2, 1] = -v[:, 1], v[:, 0]
    eye = np.broadcast_to(np.eye(3), vx.shape)
    scale = 1.0 / np.maximum(1.0 + c, 1e-12)
    rot = eye + vx + vx @ vx * scale[:, None, None]
    opposite = c < -1 + 1e-9
    if opposite.any():
        ao = a[opposite]
        helper = np.where(np.abs(ao[:, :1]) < 0.9, [[1.0, 0, 0]],
                          [[0, 1.0, 0]])
        axis = np.cross(ao, helper)
        axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
        rot[opposite] = 2 * axis[:, :, None] * axis[:, None, :] - np.eye(3)
    return rot


def _kabsch(rest: np.ndarray, target: np.ndarray) -> np.ndarray:
    """rest (C, 3), target (N, C, 3) -> (N, 3, 3) rotations R minimising
    sum_c |R rest_c - target_c|^2."""
    h = np.einsum('nci,cj->nij', target, rest)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.ones(h.shape[:1] + (3,))
    fix[:, 2] = d
    return (u * fix[:, None, :]) @ vt


def _children(parents: Sequence[int]) -> List[List[int]]:
    kids = [[] for _ in parents]
    for j, p in enumerate(parents):
        if p >= 0:
            kids[p].append(j)
    return kids


def _mean_child_shape(pos: np.ndarray, joint: int, kids: List[int],
                      lengths: np.ndarray) -> np.ndarray:
    """Rest offsets (C, 3) of the C bones leaving ``joint``: their mean
    shape in a frame built per frame from the bones themselves (X: from the
    bone with rest direction -X to the one with +X; Y: the bone with rest
    direction +Y, made normal to X; Z = X x Y), scaled to ``lengths``."""
    rest = _H36M_REST_DIRECTIONS[kids]
    left, right = kids[int(np.argmax(rest[:, 0]))], kids[int(np.argmin(
        rest[:, 0]))]
    up = kids[int(np.argmax(rest[:, 1]))]
    vec = pos[:, kids] - pos[:, joint, None]               # (T, C, 3)
    x = pos[:, left] - pos[:, right]
    x /= np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    y = pos[:, up] - pos[:, joint]
    y -= np.einsum('ni,ni->n', y, x)[:, None] * x
    y /= np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), 1e-12)
    basis = np.stack([x, y, np.cross(x, y)], -1)            # columns
    local = np.einsum('nij,nci->ncj', basis, vec).mean(axis=0)
    local /= np.maximum(np.linalg.norm(local, axis=-1, keepdims=True), 1e-12)
    return local * lengths[:, None]


def _check_positions(positions) -> np.ndarray:
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 3 or pos.shape[1:] != (17, 3):
        raise ValueError(f'BVH export needs (T, 17, 3) Human3.6M-17 joint '
                         f'positions in metres, got shape {pos.shape}.')
    if pos.shape[0] == 0:
        raise ValueError('BVH export needs at least one frame, got T = 0.')
    if not np.isfinite(pos).all():
        raise ValueError('BVH export needs finite positions: fill or drop '
                         'frames with NaN first (mpm.utils.fill_gaps).')
    return pos


def fit_bvh(positions, skeleton: Skeleton = H36M_SKELETON
            ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the BVH rest offsets and per-frame rotations to joint positions.

    Args:
        positions: (T, 17, 3) joint positions, metres, camera frame (x
            right, y down, z away from the camera).
        skeleton: the tree (Human3.6M-17).

    Returns:
        ``(offsets (17, 3), root_positions (T, 3), euler (T, 17, 3))``:
        BVH-frame metres and local ZXY Euler angles in degrees (see the
        module docstring).
    """
    pos = _check_positions(positions) * _CAMERA_TO_BVH
    parents = list(skeleton.parents)
    kids = _children(parents)
    T, J = pos.shape[:2]
    lengths = np.zeros(J)
    for j, p in enumerate(parents):
        if p >= 0:
            lengths[j] = np.median(np.linalg.norm(pos[:, j] - pos[:, p],
                                                  axis=-1))
    lengths = np.maximum(lengths, 1e-6)
    offsets = _H36M_REST_DIRECTIONS * lengths[:, None]
    for j in range(J):
        if len(kids[j]) > 1:
            offsets[kids[j]] = _mean_child_shape(pos, j, kids[j],
                                                 lengths[kids[j]])
    glob = np.zeros((T, J, 3, 3))
    fk = np.zeros((T, J, 3))
    fk[:, 0] = pos[:, 0]
    for j in range(J):     # parents come before their children
        p = parents[j]
        if p >= 0:
            fk[:, j] = fk[:, p] + np.einsum('nij,j->ni', glob[:, p],
                                            offsets[j])
        parent_rot = glob[:, p] if p >= 0 else np.broadcast_to(
            np.eye(3), (T, 3, 3))
        if not kids[j]:
            glob[:, j] = parent_rot
        elif len(kids[j]) == 1:
            c = kids[j][0]
            rest_dir = np.einsum('nij,j->ni', parent_rot, offsets[c])
            glob[:, j] = _align(rest_dir, pos[:, c] - fk[:, j]) @ parent_rot
        else:
            c = kids[j]
            target = pos[:, c] - fk[:, j, None]
            glob[:, j] = _kabsch(offsets[c], target)
    local = glob.copy()
    for j, p in enumerate(parents):
        if p >= 0:
            local[:, j] = np.swapaxes(glob[:, p], -1, -2) @ glob[:, j]
    euler = np.degrees(np.unwrap(np.radians(euler_zxy_from_matrix(local)),
                                 axis=0))
    return offsets, pos[:, 0].copy(), euler


def bvh_forward_kinematics(offsets, root_positions, euler,
                           skeleton: Skeleton = H36M_SKELETON) -> np.ndarray:
    """Joint positions of BVH channels, in the camera frame.

    Args:
        offsets: (J, 3) BVH-frame rest offsets (metres).
        root_positions: (T, 3) BVH-frame root positions.
        euler: (T, J, 3) local ZXY Euler angles (degrees).

    Returns:
        (T, J, 3) camera-frame metres (x right, y down, z forward).
    """
    rot = matrix_from_euler_zxy(np.asarray(euler, dtype=np.float64))
    parents = list(skeleton.parents)
    T, J = rot.shape[:2]
    glob = np.zeros_like(rot)
    pos = np.zeros((T, J, 3))
    for j, p in enumerate(parents):
        if p < 0:
            glob[:, j] = rot[:, j]
            pos[:, j] = root_positions
        else:
            glob[:, j] = glob[:, p] @ rot[:, j]
            pos[:, j] = pos[:, p] + np.einsum('nij,j->ni', glob[:, p],
                                              offsets[j])
    return pos * _CAMERA_TO_BVH


def bvh_fit_error(positions, skeleton: Skeleton = H36M_SKELETON
                  ) -> np.ndarray:
    """(T, J) distance (metres) between the input positions and the forward
    kinematics of the BVH fitted to them (0 for rigid input)."""
    pos = _check_positions(positions)
    fk = bvh_forward_kinematics(*fit_bvh(pos, skeleton), skeleton=skeleton)
    return np.linalg.norm(fk - pos, axis=-1)


def write_bvh(path: str, positions, fps: float = 25.0,
              skeleton: Skeleton = H36M_SKELETON,
              names: Optional[Sequence[str]] = None) -> str:
    """Write (T, 17, 3) camera-frame positions (metres) as a BVH file.

    Args:
        path: output ``.bvh``.
        positions: (T, 17, 3) finite joint positions, metres, camera frame
            (x right, y down, z away from the camera); camera-space poses
            give the global trajectory, root-relative ones keep the pelvis
            at the origin.
        fps: frames per second (``Frame Time`` = 1 / fps).
        skeleton: the tree (Human3.6M-17).
        names: BVH joint names (:data:`H36M_BVH_NAMES`).

    Returns:
        ``path``.
    """
    if not fps > 0:
        raise ValueError(f'fps must be > 0, got {fps}.')
    offsets, root, euler = fit_bvh(positions, skeleton)
    names = list(H36M_BVH_NAMES if names is None else names)
    parents = list(skeleton.parents)
    kids = _children(parents)
    lines = ['HIERARCHY']
    order = []

    def fmt(v):
        return ' '.join(f'{x:.6f}' for x in v)

    def emit(j, depth):
        pad = '  ' * depth
        order.append(j)
        head = 'ROOT' if parents[j] < 0 else 'JOINT'
        lines.append(f'{pad}{head} {names[j]}')
        lines.append(f'{pad}{{')
        lines.append(f'{pad}  OFFSET {fmt(offsets[j])}')
        if parents[j] < 0:
            lines.append(f'{pad}  CHANNELS 6 Xposition Yposition Zposition '
                         'Zrotation Xrotation Yrotation')
        else:
            lines.append(f'{pad}  CHANNELS 3 Zrotation Xrotation Yrotation')
        for c in kids[j]:
            emit(c, depth + 1)
        if not kids[j]:
            lines.append(f'{pad}  End Site')
            lines.append(f'{pad}  {{')
            lines.append(f'{pad}    OFFSET {fmt(0.25 * offsets[j])}')
            lines.append(f'{pad}  }}')
        lines.append(f'{pad}}}')

    emit(parents.index(-1), 0)
    T = euler.shape[0]
    lines += ['MOTION', f'Frames: {T}', f'Frame Time: {1.0 / fps:.6f}']
    for t in range(T):
        values = [fmt(root[t])]
        values += [fmt(euler[t, j]) for j in order]
        lines.append(' '.join(values))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path
