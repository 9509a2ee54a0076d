"""Procedural human motion: joint-angle trajectories and forward kinematics.

The synthetic Human3.6M set is made of skeletons driven by joint angles, so
that bone lengths are exactly constant over time (forward kinematics) and
the motions have the structure a 2D-to-3D lifter must learn (gait, sitting,
waving, ...), including the depth ambiguity of a single view.

Conventions
-----------
- World frame as in Human3.6M: metres, Z up, floor at ``z = 0``. The
  capture area the four Human3.6M cameras look at is a band around the world
  origin (:data:`STAGE_CENTRE`, :data:`STAGE_AXIS_ANGLE`); every motion stays
  inside it, so the pelvis is 4-7 m from every camera.
- Body frame (the pelvis): ``x`` forward, ``y`` to the subject's left,
  ``z`` up. Angles are radians.
- Joints: the Human3.6M-17 order of :data:`mpm.utils.skeleton.H36M_SKELETON`
  (0 pelvis, 1-3 right leg, 4-6 left leg, 7 spine, 8 thorax, 9 neck/nose,
  10 head, 11-13 left arm, 14-16 right arm).
- Every non-root joint ``c`` has a rest direction ``REST_DIRECTIONS[c]`` and a
  local rotation ``L_c``; with ``F_0`` the root orientation,
  ``F_c = F_parent(c) @ L_c`` and ``p_c = p_parent(c) + F_c @ (l_c d_c)``. So
  ``L_c`` turns the bone that ends at ``c`` (``L_2`` is the hip joint,
  ``L_3`` the knee, ``L_12`` the shoulder, ``L_13`` the elbow).

Joint-angle channels (all ``(N,)`` radians; ``_r`` / ``_l`` per side):
``yaw``, ``pitch`` (forward tilt of the pelvis), ``roll`` (tilt to the right);
``hip_flex`` (thigh forward), ``hip_abd`` (thigh outward), ``hip_rot``,
``knee`` (flexion); ``spine_flex`` / ``chest_flex`` (bend forward),
``spine_side`` / ``chest_side`` (bend to the left), ``spine_twist`` /
``chest_twist`` (turn to the left), ``neck_flex``, ``neck_twist``,
``head_flex``; ``sh_flex`` (arm forward), ``sh_abd`` (arm outward),
``sh_rot`` (external rotation of the upper arm), ``elbow`` (flexion).

Root placement: the pelvis height comes from the legs (the lower ankle is at
the body's ankle height above the floor, through a soft minimum); walking
moves the pelvis along a path, other actions keep the midpoint of the feet at
a slowly drifting anchor (so the pelvis moves back when sitting down).
"""
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

import numpy as np

from mpm.utils.skeleton import (H36M_32_TO_17, H36M_SKELETON,
                                 SYNTHETIC_ACTIONS)

__all__ = [
    'FPS', 'ACTIONS', 'BONE_NAMES', 'MEAN_BONE_LENGTHS_MM', 'BONE_OF_JOINT',
    'REST_DIRECTIONS', 'STAGE_CENTRE', 'STAGE_AXIS_ANGLE', 'Body',
    'sample_body', 'subject_body', 'subject_number', 'action_index',
    'forward_kinematics', 'expand_to_32', 'synthesize_motion',
    'synthesize_motion_32', 'keyframe_curve', 'smooth_noise'
]

#: Frame rate of the synthetic sequences (Human3.6M: 50 fps).
FPS = 50.0

#: Action categories the generator knows, in the order used for seeding.
ACTIONS = SYNTHETIC_ACTIONS

#: Bone types with their mean length in Human3.6M (millimetres).
MEAN_BONE_LENGTHS_MM: Dict[str, float] = {
    'pelvis_hip': 134.0,
    'thigh': 443.0,
    'shin': 443.0,
    'pelvis_spine': 236.0,
    'spine_thorax': 254.0,
    'thorax_neck': 117.0,
    'neck_head': 115.0,
    'thorax_shoulder': 151.0,
    'upper_arm': 277.0,
    'forearm': 248.0,
}
BONE_NAMES = tuple(MEAN_BONE_LENGTHS_MM)

#: Bone type of the bone ending at each of the 17 joints (root: None).
BONE_OF_JOINT = (None, 'pelvis_hip', 'thigh', 'shin', 'pelvis_hip', 'thigh',
                 'shin', 'pelvis_spine', 'spine_thorax', 'thorax_neck',
                 'neck_head', 'thorax_shoulder', 'upper_arm', 'forearm',
                 'thorax_shoulder', 'upper_arm', 'forearm')

_PARENTS = H36M_SKELETON.parents


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


#: (17, 3) unit rest direction of the bone ending at each joint, in the
#: frame of that bone (body frame x forward, y left, z up); row 0 is zero.
REST_DIRECTIONS = np.stack([
    np.zeros(3),
    _unit([0.0, -1.0, -0.08]),  # 1 R hip
    _unit([0.0, 0.0, -1.0]),  # 2 R knee
    _unit([0.0, 0.0, -1.0]),  # 3 R ankle
    _unit([0.0, 1.0, -0.08]),  # 4 L hip
    _unit([0.0, 0.0, -1.0]),  # 5 L knee
    _unit([0.0, 0.0, -1.0]),  # 6 L ankle
    _unit([0.0, 0.0, 1.0]),  # 7 spine
    _unit([0.0, 0.0, 1.0]),  # 8 thorax
    _unit([0.3, 0.0, 1.0]),  # 9 neck/nose: forward of the thorax
    _unit([-0.15, 0.0, 1.0]),  # 10 head top
    _unit([0.0, 1.0, -0.1]),  # 11 L shoulder
    _unit([0.0, 0.0, -1.0]),  # 12 L elbow
    _unit([0.0, 0.0, -1.0]),  # 13 L wrist
    _unit([0.0, -1.0, -0.1]),  # 14 R shoulder
    _unit([0.0, 0.0, -1.0]),  # 15 R elbow
    _unit([0.0, 0.0, -1.0]),  # 16 R wrist
])

#: Centre (x, y) of the capture area in world metres and the angle of its
#: long axis (radians from +x). The band |across| <= ~0.5 m, |along| <=
#: ~1.4 m around it keeps the pelvis 4-7 m from all Human3.6M cameras.
STAGE_CENTRE = np.array([0.3, 0.45])
STAGE_AXIS_ANGLE = np.deg2rad(-15.0)

_DEG = np.pi / 180.0


# ---------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Body:
    """Body proportions of one subject.

    Attributes:
        bone_lengths: (17,) float64 metres, length of the bone ending at each
            joint of the Human3.6M-17 skeleton (entry 0, the root, is 0).
        scale: overall size factor relative to the Human3.6M mean body.
    """
    bone_lengths: np.ndarray
    scale: float = 1.0

    def __post_init__(self):
        lengths = np.asarray(self.bone_lengths, dtype=np.float64)
        if lengths.shape != (17, ) or not np.all(lengths[1:] > 0):
            raise ValueError(
                'Body.bone_lengths must be 17 positive lengths in metres '
                '(entry 0, the root, may be 0), indexed by the joint the bone '
                f'ends at; got shape {lengths.shape}.')
        object.__setattr__(self, 'bone_lengths', lengths)

    @property
    def ankle_height(self) -> float:
        """Height of the ankle joints above the floor when standing (m)."""
        return 0.08 * self.scale

    @property
    def leg_length(self) -> float:
        """Thigh + shin (m)."""
        return float(self.bone_lengths[2] + self.bone_lengths[3])

    @classmethod
    def from_bone_lengths_mm(cls, lengths_mm: Dict[str, float],
                             scale: float = 1.0) -> 'Body':
        """Body from bone-type lengths in mm (keys of MEAN_BONE_LENGTHS_MM)."""
        missing = set(BONE_NAMES) - set(lengths_mm)
        if missing:
            raise ValueError(f'missing bone lengths {sorted(missing)}; '
                             f'expected keys {list(BONE_NAMES)} (mm).')
        lengths = [0.0] + [lengths_mm[b] / 1000.0 for b in BONE_OF_JOINT[1:]]
        return cls(np.asarray(lengths), scale)


def sample_body(rng: np.random.Generator,
                scale_range: Tuple[float, float] = (0.92, 1.07),
                bone_jitter: float = 0.04,
                side_jitter: float = 0.005) -> Body:
    """Random body: mean Human3.6M bone lengths x scale x per-bone factors.

    Args:
        rng: numpy random generator.
        scale_range: overall scale drawn uniformly from this range.
        bone_jitter: each bone type gets a factor ``1 + U(-j, j)``.
        side_jitter: left and right bones differ by a further
            ``1 + U(-j, j)`` each.

    Returns:
        :class:`Body` with lengths in metres.
    """
    scale = float(rng.uniform(*scale_range))
    per_type = {
        name: mm / 1000.0 * scale *
        (1 + rng.uniform(-bone_jitter, bone_jitter))
        for name, mm in MEAN_BONE_LENGTHS_MM.items()
    }
    sides = 1 + rng.uniform(-side_jitter, side_jitter, size=17)
    lengths = np.zeros(17)
    for j in range(1, 17):
        lengths[j] = per_type[BONE_OF_JOINT[j]] * sides[j]
    return Body(lengths, scale)


def subject_number(subject: str) -> int:
    """'S11' -> 11. Raises ValueError for names not of the form 'S<int>'."""
    if not (isinstance(subject, str) and subject[:1] == 'S'
            and subject[1:].isdigit()):
        raise ValueError(f"subject names look like 'S1', 'S11'; got "
                         f'{subject!r}.')
    return int(subject[1:])


def action_index(action: str) -> int:
    """Index of an action category in :data:`ACTIONS` (error if unknown)."""
    if action not in ACTIONS:
        raise ValueError(f'unknown synthetic action {action!r}; choose from '
                         f'{list(ACTIONS)}.')
    return ACTIONS.index(action)


_BODY_STREAM = 0xB0D1


def subject_body(subject: str, seed: int = 0) -> Body:
    """The (deterministic) body of a synthetic subject for a given seed."""
    rng = np.random.default_rng([int(seed), subject_number(subject),
                                 _BODY_STREAM])
    return sample_body(rng)


# ---------------------------------------------------------------------------
# Rotations and forward kinematics
# ---------------------------------------------------------------------------
def _rot(axis: int, angle: np.ndarray) -> np.ndarray:
    """(N,) angles -> (N, 3, 3) rotations about body axis 0=x, 1=y, 2=z."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros(angle.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def _rx(a):
    return _rot(0, a)


def _ry(a):
    return _rot(1, a)


def _rz(a):
    return _rot(2, a)


def _local_rotations(ch: Dict[str, np.ndarray]) -> Tuple[np.ndarray,
                                                         np.ndarray]:
    """Channels -> root orientation (N, 3, 3), local rotations (N, 17, 3, 3).

    Sign conventions are mirrored between sides so that a positive
    ``hip_abd`` / ``sh_abd`` / ``sh_rot`` always moves the limb outward /
    rotates it externally.
    """
    n = len(ch['yaw'])
    local = np.empty((n, 17, 3, 3))
    local[:] = np.eye(3)
    root = _rz(ch['yaw']) @ _ry(ch['pitch']) @ _rx(ch['roll'])
    for side, sign, knee, ankle, elbow, wrist in (('r', -1.0, 2, 3, 15, 16),
                                                  ('l', 1.0, 5, 6, 12, 13)):
        # Pelvic roll is compensated at the hips (legs keep their world
        # frontal-plane angle), as the hip abductors do when walking.
        local[:, knee] = (_ry(-ch['hip_flex_' + side])
                          @ _rx(sign * ch['hip_abd_' + side] - ch['roll'])
                          @ _rz(sign * ch['hip_rot_' + side]))
        local[:, ankle] = _ry(ch['knee_' + side])
        local[:, elbow] = (_rx(sign * ch['sh_abd_' + side])
                           @ _ry(-ch['sh_flex_' + side])
                           @ _rz(sign * ch['sh_rot_' + side]))
        local[:, wrist] = _ry(-ch['elbow_' + side])
    local[:, 7] = (_rz(ch['spine_twist']) @ _rx(-ch['spine_side'])
                   @ _ry(ch['spine_flex']))
    local[:, 8] = (_rz(ch['chest_twist']) @ _rx(-ch['chest_side'])
                   @ _ry(ch['chest_flex']))
    local[:, 9] = _rz(ch['neck_twist']) @ _ry(ch['neck_flex'])
    local[:, 10] = _ry(ch['head_flex'])
    return root, local


def forward_kinematics(root_rotation: np.ndarray, local_rotations: np.ndarray,
                       body: Body) -> Tuple[np.ndarray, np.ndarray]:
    """Joint positions of the 17-joint skeleton relative to the pelvis.

    Args:
        root_rotation: (N, 3, 3) pelvis orientation (body -> world).
        local_rotations: (N, 17, 3, 3) local rotation of the bone ending at
            each joint (entry 0 unused).
        body: bone lengths (m).

    Returns:
        positions (N, 17, 3) metres with the pelvis at the origin, and the
        bone frames (N, 17, 3, 3) (entry c: frame of the bone ending at c;
        entry 0: the root orientation). Bone lengths equal
        ``body.bone_lengths`` exactly (up to float64 rounding).
    """
    n = len(root_rotation)
    frames = np.empty((n, 17, 3, 3))
    pos = np.zeros((n, 17, 3))
    frames[:, 0] = root_rotation
    offsets = REST_DIRECTIONS * body.bone_lengths[:, None]
    for j in range(1, 17):
        p = _PARENTS[j]
        frames[:, j] = frames[:, p] @ local_rotations[:, j]
        pos[:, j] = pos[:, p] + frames[:, j] @ offsets[j]
    return pos, frames


def _normalize(v: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), eps)


def expand_to_32(pos17: np.ndarray, frames: np.ndarray,
                 body: Body) -> np.ndarray:
    """Fill the full 32-joint Human3.6M layout from the 17 kept joints.

    The 17 joints go to indices :data:`H36M_32_TO_17`. The 15 dropped ones
    (not used by any 17-joint model, but present in the real files) get
    plausible positions:

    - 4 / 9 (R / L toe base): ankle + 0.12 s along the foot direction
      - 0.06 s vertically (s = body scale); 5 / 10 (toe tips): a further
      0.05 s forward and 0.01 s down. The foot direction is the horizontal
      part of the shin frame's forward axis (the foot stays flat).
    - 11 (lower spine): midpoint of pelvis and spine.
    - 16 / 24 (L / R shoulder girdle): copies of the thorax (as in the real
      data, where these joints coincide with it).
    - 20 / 28 (thumb): wrist + 0.04 s along the forearm + 0.03 s toward the
      thumb side; 21 / 29: copies of 20 / 28.
    - 22 / 30 (hand end): wrist + 0.08 s along the forearm; 23 / 31: copies.

    Args:
        pos17: (N, 17, 3) metres, Human3.6M-17 order.
        frames: (N, 17, 3, 3) bone frames from :func:`forward_kinematics`.
        body: the body (for its scale).

    Returns:
        (N, 32, 3) float64 metres.
    """
    s = body.scale
    n = len(pos17)
    out = np.empty((n, 32, 3))
    out[:, list(H36M_32_TO_17)] = pos17
    up = np.array([0.0, 0.0, 1.0])
    for ankle, toe_base, toe_tip in ((3, 4, 5), (6, 9, 10)):
        fwd = frames[:, ankle, :, 0].copy()
        fwd[:, 2] = 0.0
        root_fwd = frames[:, 0, :, 0].copy()
        root_fwd[:, 2] = 0.0
        fwd = _normalize(fwd + 1e-3 * root_fwd)
        out[:, toe_base] = pos17[:, ankle] + 0.12 * s * fwd - 0.06 * s * up
        out[:, toe_tip] = out[:, toe_base] + 0.05 * s * fwd - 0.01 * s * up
    out[:, 11] = 0.5 * (pos17[:, 0] + pos17[:, 7])
    out[:, 16] = pos17[:, 8]
    out[:, 24] = pos17[:, 8]
    # wrist (17-index), thumb, thumb site, hand end, hand end site
    for wrist, thumb, thumb_site, end, end_site in ((13, 20, 21, 22, 23),
                                                    (16, 28, 29, 30, 31)):
        along = frames[:, wrist, :, 2] * -1.0  # bone direction (rest -z)
        thumb_side = frames[:, wrist, :, 0]  # forearm's forward axis
        out[:, thumb] = (pos17[:, wrist] + 0.04 * s * along
                         + 0.03 * s * thumb_side)
        out[:, thumb_site] = out[:, thumb]
        out[:, end] = pos17[:, wrist] + 0.08 * s * along
        out[:, end_site] = out[:, end]
    return out


# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------
def _smootherstep(u: np.ndarray) -> np.ndarray:
    """Quintic ease 0 -> 1 on [0, 1] with zero 1st and 2nd derivatives."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (u * (6.0 * u - 15.0) + 10.0)


def keyframe_curve(t: np.ndarray, key_times, key_values) -> np.ndarray:
    """Smooth curve through keyframes (quintic ease between neighbours).

    Args:
        t: (N,) times in seconds.
        key_times: (K,) increasing key times (s), K >= 1.
        key_values: (K,) or (K, D) values at the keys.

    Returns:
        (N,) or (N, D): the value, held constant before the first and after
        the last key; C2-continuous (flat at every key).
    """
    key_times = np.asarray(key_times, dtype=np.float64)
    key_values = np.asarray(key_values, dtype=np.float64)
    if len(key_times) == 1:
        return np.broadcast_to(key_values[0],
                               (len(t), ) + key_values.shape[1:]).copy()
    idx = np.clip(np.searchsorted(key_times, t, side='right') - 1, 0,
                  len(key_times) - 2)
    t0, t1 = key_times[idx], key_times[idx + 1]
    u = _smootherstep((t - t0) / np.maximum(t1 - t0, 1e-9))
    v0, v1 = key_values[idx], key_values[idx + 1]
    if key_values.ndim > 1:
        u = u[:, None]
    return v0 + (v1 - v0) * u


def smooth_noise(rng: np.random.Generator, t: np.ndarray, std: float,
                 fmin: float = 0.05, fmax: float = 0.5,
                 components: int = 4) -> np.ndarray:
    """Smooth random signal (N,): a sum of sinusoids of random frequency.

    Frequencies are drawn from U(fmin, fmax) Hz and phases uniformly; the
    amplitudes make the signal's standard deviation ``std`` on average.
    """
    freqs = rng.uniform(fmin, fmax, components)
    phases = rng.uniform(0.0, 2 * np.pi, components)
    amp = std * np.sqrt(2.0 / components)
    return amp * np.sin(2 * np.pi * freqs[None] * t[:, None]
                        + phases[None]).sum(axis=1)


def _bump(phase: np.ndarray, centre: float, kappa: float) -> np.ndarray:
    """Periodic bump in [0, 1] peaking at ``centre`` (von Mises shape)."""
    return np.exp(kappa * (np.cos(phase - centre) - 1.0))


def _segments(rng: np.random.Generator, duration: float, pattern,
              start: float = 0.0):
    """Keyframes of a repeated schedule until ``duration`` is covered.

    ``pattern`` is a list of (value_fn, (min_s, max_s)): each entry moves
    from the previous value to ``value_fn(rng)``, the move ending a random
    time after the previous key. The schedule starts at a random time within
    2 s before ``start`` with the value of the pattern's last entry.
    Returns (times, values) lists.
    """
    t = start - rng.uniform(0.0, 2.0)
    times = [t]
    values = [pattern[-1][0](rng)]
    i = 0
    while t < duration + 1.0:
        value_fn, (lo, hi) = pattern[i % len(pattern)]
        t = t + rng.uniform(lo, hi)
        times.append(t)
        values.append(value_fn(rng))
        i += 1
    return times, values


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------
def _neutral(rng: np.random.Generator, t: np.ndarray,
             idle: float = 1.0) -> Dict[str, np.ndarray]:
    """Relaxed standing pose with small smooth idle motion on every channel."""
    n = len(t)

    def noise(std_deg):
        return smooth_noise(rng, t, idle * std_deg * _DEG)

    ch = {
        'yaw': np.zeros(n),
        'pitch': 3 * _DEG + noise(1.5),
        'roll': noise(1.0),
        'spine_flex': 2 * _DEG + noise(2.0),
        'spine_side': noise(1.5),
        'spine_twist': noise(2.0),
        'chest_flex': 2 * _DEG + noise(1.5),
        'chest_side': noise(1.0),
        'chest_twist': noise(2.0),
        'neck_flex': noise(4.0),
        'neck_twist': noise(8.0),
        'head_flex': noise(3.0),
    }
    for side in ('r', 'l'):
        ch['hip_flex_' + side] = 3 * _DEG + noise(1.5)
        ch['hip_abd_' + side] = 4 * _DEG + noise(1.0)
        ch['hip_rot_' + side] = 5 * _DEG + noise(2.0)
        ch['knee_' + side] = 4 * _DEG + np.abs(noise(2.0))
        ch['sh_flex_' + side] = 4 * _DEG + noise(4.0)
        ch['sh_abd_' + side] = 9 * _DEG + noise(2.0)
        ch['sh_rot_' + side] = noise(5.0)
        ch['elbow_' + side] = 15 * _DEG + np.abs(noise(6.0))
    return ch


def _stage_point(rng: np.random.Generator, along: float = 0.55,
                 across: float = 0.15) -> np.ndarray:
    """Random (x, y) in the capture area (world metres)."""
    u = rng.uniform(-along, along)
    w = rng.uniform(-across, across)
    c, s = np.cos(STAGE_AXIS_ANGLE), np.sin(STAGE_AXIS_ANGLE)
    return STAGE_CENTRE + np.array([c * u - s * w, s * u + c * w])


def _anchor(rng: np.random.Generator, t: np.ndarray,
            drift: float = 0.04) -> np.ndarray:
    """(N, 2) slowly drifting feet midpoint in the capture area (m)."""
    base = _stage_point(rng)
    return base[None] + np.stack([
        smooth_noise(rng, t, drift, 0.02, 0.15),
        smooth_noise(rng, t, drift, 0.02, 0.15)
    ], axis=1)


def _stadium(s: np.ndarray, half_length: float,
             radius: float) -> Tuple[np.ndarray, np.ndarray]:
    """Point (N, 2) and heading (N,) at arc length ``s`` on a stadium curve.

    The curve is centred at the origin, straight sides of length
    ``2 * half_length`` parallel to x at y = -radius (heading +x) and
    y = +radius (heading -x), joined by half circles; counter-clockwise.
    """
    L, r = half_length, radius
    perim = 4 * L + 2 * np.pi * r
    s = np.mod(s, perim)
    x = np.empty_like(s)
    y = np.empty_like(s)
    head = np.empty_like(s)
    b1, b2, b3 = 2 * L, 2 * L + np.pi * r, 4 * L + np.pi * r
    m = s < b1
    x[m], y[m], head[m] = -L + s[m], -r, 0.0
    m = (s >= b1) & (s < b2)
    a = -np.pi / 2 + (s[m] - b1) / r
    x[m], y[m], head[m] = L + r * np.cos(a), r * np.sin(a), a + np.pi / 2
    m = (s >= b2) & (s < b3)
    x[m], y[m], head[m] = L - (s[m] - b2), r, np.pi
    m = s >= b3
    a = np.pi / 2 + (s[m] - b3) / r
    x[m], y[m], head[m] = -L + r * np.cos(a), r * np.sin(a), a + np.pi / 2
    return np.stack([x, y], axis=1), head


def _gaussian_smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass of a 1D signal (edges padded by repetition)."""
    if sigma <= 0:
        return x
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma)**2)
    k /= k.sum()
    padded = np.concatenate([np.full(r, x[0]), x, np.full(r, x[-1])])
    return np.convolve(padded, k, mode='valid')


def _walking(rng, t, body):
    """Gait along a closed curved path (stadium) through the capture area.

    Anti-phase hip flexion, knee flexion with a swing peak and a loading
    bump, counter-rotating arm swing, pelvic rotation and lateral sway.
    Randomised: cadence, stride, amplitudes, path size/direction/start.
    """
    ch = _neutral(rng, t, idle=0.6)
    freq = rng.uniform(0.85, 1.0) * (1.0 / np.sqrt(body.scale))  # strides/s
    freq_t = freq * (1 + smooth_noise(rng, t, 0.03, 0.02, 0.1))
    phase = 2 * np.pi * np.cumsum(freq_t) / FPS + rng.uniform(0, 2 * np.pi)
    hip_amp = rng.uniform(17.0, 23.0) * _DEG
    knee_amp = rng.uniform(50.0, 60.0) * _DEG
    arm_amp = rng.uniform(10.0, 22.0) * _DEG
    lean = rng.uniform(3.0, 8.0) * _DEG
    for side, ph in (('r', phase), ('l', phase + np.pi)):
        ch['hip_flex_' + side] = (8 * _DEG + hip_amp * np.sin(ph)
                                  + ch['hip_flex_' + side] * 0.3)
        ch['knee_' + side] = (5 * _DEG
                              + knee_amp * _bump(ph, -0.05 * np.pi, 2.2)
                              + 12 * _DEG * _bump(ph, 0.7 * np.pi, 4.0))
        ch['hip_abd_' + side] = 3 * _DEG + 2 * _DEG * np.cos(ph)
        ch['sh_flex_' + side] = (4 * _DEG - arm_amp * np.sin(ph)
                                 + ch['sh_flex_' + side] * 0.3)
        ch['elbow_' + side] = (15 * _DEG + 6 * _DEG * (1 - np.sin(ph))
                               + ch['elbow_' + side] * 0.3)
    ch['pitch'] = ch['pitch'] * 0.3 + lean
    ch['roll'] = ch['roll'] * 0.3 + 3 * _DEG * np.sin(phase)
    for side in ('r', 'l'):  # the thighs keep their direction as the
        ch['hip_flex_' + side] += ch['pitch']  # pelvis tilts forward
    ch['spine_twist'] = -5 * _DEG * np.sin(phase)
    ch['chest_twist'] = -4 * _DEG * np.sin(phase)
    ch['neck_flex'] = ch['neck_flex'] * 0.5 - 4 * _DEG
    # Speed: the pelvis advances as fast as the lower (stance) foot moves
    # backward relative to it, so the stance foot stays (nearly) planted.
    ch['yaw'] = 5 * _DEG * np.sin(phase)  # pelvic rotation, heading 0
    rel, _ = forward_kinematics(*_local_rotations(ch), body)
    ankles = rel[:, [3, 6]]
    low = np.exp(-(ankles[:, :, 2] - ankles[:, :, 2].min(1, keepdims=True))
                 / 0.01)
    low /= low.sum(axis=1, keepdims=True)
    back = -(low * np.gradient(ankles[:, :, 0], 1.0 / FPS, axis=0)).sum(1)
    speed = _gaussian_smooth(np.maximum(back, 0.0), 2.0)
    # Path: stadium along the capture area.
    half_length = rng.uniform(0.5, 0.8)
    radius = rng.uniform(0.35, 0.45)
    perim = 4 * half_length + 2 * np.pi * radius
    s = rng.uniform(0, perim) + np.cumsum(speed) / FPS
    xy, heading = _stadium(s, half_length, radius)
    if rng.random() < 0.5:  # clockwise
        xy[:, 1] = -xy[:, 1]
        heading = -heading
    heading = _gaussian_smooth(np.unwrap(heading), 0.25 * FPS)
    # Lateral sway toward the stance leg, pelvic rotation.
    lateral = np.stack([-np.sin(heading), np.cos(heading)], axis=1)
    xy = xy + (0.02 * np.cos(phase))[:, None] * lateral
    rot = STAGE_AXIS_ANGLE + rng.normal(0.0, 3 * _DEG)
    c, sn = np.cos(rot), np.sin(rot)
    xy = xy @ np.array([[c, sn], [-sn, c]])
    xy = xy + STAGE_CENTRE + rng.uniform(-0.05, 0.05, 2)
    ch['yaw'] = heading + rot + 5 * _DEG * np.sin(phase)
    return ch, xy, None


def _sitting_down(rng, t, body):
    """Repeatedly sit down on a (virtual) chair and stand up.

    Progress p in [0, 1] (standing -> seated) from a random schedule; thighs
    to ~horizontal, knees ~90 degrees, forward trunk lean peaking mid
    transition, hands moving to the thighs. Feet stay planted.
    """
    ch = _neutral(rng, t)
    seat_hip = rng.uniform(80.0, 95.0) * _DEG
    seat_knee = seat_hip + rng.uniform(0.0, 15.0) * _DEG
    lean_move = rng.uniform(25.0, 40.0) * _DEG
    lean_seat = rng.uniform(0.0, 12.0) * _DEG
    times, values = _segments(rng, t[-1], [
        (lambda r: 1.0, (1.2, 2.2)),  # go down
        (lambda r: 1.0, (2.0, 5.0)),  # stay seated
        (lambda r: 0.0, (1.2, 2.2)),  # stand up
        (lambda r: 0.0, (1.0, 3.0)),  # stay standing
    ], start=rng.uniform(0.0, 2.0))
    p = keyframe_curve(t, times, values)
    move = 4 * p * (1 - p)
    pitch = ch['pitch'] + lean_seat * p + lean_move * move
    thigh = 2 * _DEG + (seat_hip - 2 * _DEG) * p
    for side in ('r', 'l'):
        ch['hip_flex_' + side] = thigh + pitch + 0.5 * (ch['hip_flex_' + side]
                                                       - 3 * _DEG)
        ch['knee_' + side] = ch['knee_' + side] + (seat_knee - 4 * _DEG) * p
        ch['hip_abd_' + side] = ch['hip_abd_' + side] + 6 * _DEG * p
        ch['sh_flex_' + side] = (ch['sh_flex_' + side] + 30 * _DEG * p
                                 + 25 * _DEG * move)
        ch['elbow_' + side] = ch['elbow_' + side] + 40 * _DEG * p
    ch['pitch'] = pitch
    ch['spine_flex'] = ch['spine_flex'] + 8 * _DEG * p
    ch['neck_flex'] = ch['neck_flex'] - 10 * _DEG * move
    ch['yaw'] = rng.uniform(0, 2 * np.pi) + smooth_noise(rng, t, 4 * _DEG,
                                                          0.02, 0.1)
    return ch, None, _anchor(rng, t)


def _squatting(rng, t, body):
    """Squats: deep hip and knee flexion, trunk lean, arms forward.

    Either slow squat-and-hold or quicker repetitions (random per trial).
    """
    ch = _neutral(rng, t)
    deep_hip = rng.uniform(90.0, 110.0) * _DEG
    deep_knee = deep_hip + rng.uniform(15.0, 30.0) * _DEG
    lean = rng.uniform(20.0, 35.0) * _DEG
    arms = rng.uniform(40.0, 85.0) * _DEG
    if rng.random() < 0.5:
        pattern = [(lambda r: 1.0, (1.0, 1.8)), (lambda r: 1.0, (1.0, 3.0)),
                   (lambda r: 0.0, (1.0, 1.8)), (lambda r: 0.0, (0.8, 2.5))]
    else:
        pattern = [(lambda r: r.uniform(0.7, 1.0), (0.8, 1.2)),
                   (lambda r: 0.0, (0.8, 1.2))]
    times, values = _segments(rng, t[-1], pattern, rng.uniform(0.0, 1.5))
    p = keyframe_curve(t, times, values)
    pitch = ch['pitch'] + lean * p
    for side in ('r', 'l'):
        ch['hip_flex_' + side] = (ch['hip_flex_' + side] + deep_hip * p
                                  + (pitch - ch['pitch']))
        ch['knee_' + side] = ch['knee_' + side] + deep_knee * p
        ch['hip_abd_' + side] = ch['hip_abd_' + side] + 10 * _DEG * p
        ch['hip_rot_' + side] = ch['hip_rot_' + side] + 10 * _DEG * p
        ch['sh_flex_' + side] = ch['sh_flex_' + side] + arms * p
        ch['elbow_' + side] = ch['elbow_' + side] + 20 * _DEG * p
    ch['pitch'] = pitch
    ch['neck_flex'] = ch['neck_flex'] - 0.6 * lean * p
    ch['yaw'] = rng.uniform(0, 2 * np.pi) + smooth_noise(rng, t, 5 * _DEG,
                                                          0.02, 0.1)
    return ch, None, _anchor(rng, t)


def _waving(rng, t, body):
    """Waving bouts: an arm (sometimes both) raised, elbow oscillating.

    The upper arm is abducted to ~horizontal and externally rotated so the
    forearm points up; the elbow angle oscillates at 1.5-3 Hz.
    """
    ch = _neutral(rng, t, idle=1.3)
    main = 'r' if rng.random() < 0.6 else 'l'
    both = rng.random() < 0.3
    times, values = _segments(rng, t[-1], [
        (lambda r: 1.0, (0.8, 1.4)),
        (lambda r: 1.0, (1.5, 4.0)),
        (lambda r: 0.0, (0.8, 1.4)),
        (lambda r: 0.0, (0.8, 2.5)),
    ], rng.uniform(0.0, 1.5))
    w = keyframe_curve(t, times, values)
    for side in ('r', 'l'):
        if side != main and not both:
            continue
        gain = 1.0 if side == main else 0.8
        freq = rng.uniform(1.5, 3.0)
        amp = rng.uniform(20.0, 35.0) * _DEG
        abd = rng.uniform(80.0, 115.0) * _DEG
        flex = rng.uniform(10.0, 40.0) * _DEG
        osc = np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
        wg = w * gain
        ch['sh_abd_' + side] = ch['sh_abd_' + side] + (abd - 9 * _DEG) * wg
        ch['sh_flex_' + side] = ch['sh_flex_' + side] + flex * wg
        ch['sh_rot_' + side] = ch['sh_rot_' + side] + 90 * _DEG * wg
        ch['elbow_' + side] = (ch['elbow_' + side] + (75 * _DEG) * wg
                               + amp * wg * osc)
    side_sign = 1.0 if main == 'r' else -1.0  # lean away from the arm
    ch['spine_side'] = ch['spine_side'] + side_sign * 4 * _DEG * w
    ch['neck_twist'] = ch['neck_twist'] - side_sign * 10 * _DEG * w
    ch['yaw'] = rng.uniform(0, 2 * np.pi) + smooth_noise(rng, t, 10 * _DEG,
                                                          0.02, 0.1)
    return ch, None, _anchor(rng, t, drift=0.05)


def _turning(rng, t, body):
    """Turns on the spot: yaw changes of 90-200 degrees with stepping feet.

    The upper body and head lead the turn; the legs step alternately with an
    amplitude that follows the yaw speed.
    """
    ch = _neutral(rng, t)
    yaw0 = rng.uniform(0, 2 * np.pi)
    times, values = [-1.0], [yaw0]
    tt = rng.uniform(-1.0, 1.5)
    while tt < t[-1] + 1.0:
        tt += rng.uniform(0.8, 2.5)  # hold
        times.append(tt)
        values.append(values[-1])
        tt += rng.uniform(1.2, 2.5)  # turn
        times.append(tt)
        values.append(values[-1] + rng.choice([-1.0, 1.0]) *
                      rng.uniform(90.0, 200.0) * _DEG)
    yaw = keyframe_curve(t, times, values)
    rate = np.gradient(yaw, 1.0 / FPS) if len(t) > 1 else np.zeros_like(t)
    step = np.clip(np.abs(rate) / 1.5, 0.0, 1.0)
    phase = 2 * np.pi * rng.uniform(1.3, 1.8) * t + rng.uniform(0, 2 * np.pi)
    for side, ph in (('r', phase), ('l', phase + np.pi)):
        lift = np.maximum(np.sin(ph), 0.0)**2
        ch['hip_flex_' + side] += 22 * _DEG * step * lift
        ch['knee_' + side] = ch['knee_' + side] + 40 * _DEG * step * lift
        ch['sh_flex_' + side] = (ch['sh_flex_' + side]
                                 - 8 * _DEG * step * np.sin(ph))
        ch['sh_abd_' + side] = ch['sh_abd_' + side] + 8 * _DEG * step
    lead = np.clip(rate, -3.0, 3.0)
    ch['spine_twist'] = ch['spine_twist'] + 0.06 * lead
    ch['chest_twist'] = ch['chest_twist'] + 0.06 * lead
    ch['neck_twist'] = ch['neck_twist'] * 0.5 + 0.12 * lead
    ch['yaw'] = yaw
    return ch, None, _anchor(rng, t, drift=0.08)


def _reaching(rng, t, body):
    """Reaches toward random targets (low, forward, high, sideways).

    Each reach extends an arm (elbow straightens) toward the target's
    direction, leans and twists the torso toward it and bends the knees for
    low targets; then returns to rest.
    """
    ch = _neutral(rng, t)
    keys = [-1.0]
    tt = rng.uniform(-0.5, 1.5)
    n = len(t)
    # Accumulated offsets of every channel the reaches drive.
    drive = {k: np.zeros(n) for k in (
        'pitch', 'spine_twist', 'spine_side', 'knee', 'sh_flex_r', 'sh_abd_r',
        'elbow_r', 'sh_flex_l', 'sh_abd_l', 'elbow_l', 'neck_flex')}
    while tt < t[-1] + 1.0:
        rest = rng.uniform(0.5, 2.0)
        go = rng.uniform(0.6, 1.2)
        hold = rng.uniform(0.2, 1.0)
        back = rng.uniform(0.6, 1.2)
        t0 = tt + rest
        w = keyframe_curve(t, [t0, t0 + go, t0 + go + hold,
                               t0 + go + hold + back], [0.0, 1.0, 1.0, 0.0])
        tt = t0 + go + hold + back
        keys.append(tt)
        side = 'r' if rng.random() < 0.55 else 'l'
        sgn = 1.0 if side == 'l' else -1.0  # +: toward the left
        kind = rng.choice(['low', 'forward', 'high', 'side'])
        if kind == 'low':
            target = dict(pitch=rng.uniform(30, 50), knee=rng.uniform(20, 45),
                          flex=rng.uniform(40, 70), abd=rng.uniform(0, 15),
                          neck=-10)
        elif kind == 'forward':
            target = dict(pitch=rng.uniform(5, 20), knee=rng.uniform(0, 10),
                          flex=rng.uniform(75, 100), abd=rng.uniform(0, 20),
                          neck=0)
        elif kind == 'high':
            target = dict(pitch=rng.uniform(-6, 0), knee=0.0,
                          flex=rng.uniform(130, 165), abd=rng.uniform(0, 20),
                          neck=15)
        else:
            target = dict(pitch=rng.uniform(0, 10), knee=rng.uniform(0, 10),
                          flex=rng.uniform(0, 30), abd=rng.uniform(70, 100),
                          neck=0)
        twist = sgn * rng.uniform(10, 25) * (0.3 if kind == 'side' else 1.0)
        drive['pitch'] += target['pitch'] * _DEG * w
        drive['knee'] += target['knee'] * _DEG * w
        drive['spine_twist'] += -twist * _DEG * w  # reaching arm forward
        drive['spine_side'] += (sgn * 8 * _DEG * w if kind == 'side' else 0.0)
        drive['neck_flex'] += target['neck'] * _DEG * -1.0 * w
        drive['sh_flex_' + side] += target['flex'] * _DEG * w
        drive['sh_abd_' + side] += target['abd'] * _DEG * w
        drive['elbow_' + side] += -12 * _DEG * w
        other = 'l' if side == 'r' else 'r'
        drive['sh_flex_' + other] += 10 * _DEG * w
    ch['pitch'] = ch['pitch'] + drive['pitch']
    for side in ('r', 'l'):
        knee = drive['knee']
        ch['knee_' + side] = ch['knee_' + side] + knee
        ch['hip_flex_' + side] = (ch['hip_flex_' + side] + 0.5 * knee
                                  + drive['pitch'])
        ch['sh_flex_' + side] += drive['sh_flex_' + side]
        ch['sh_abd_' + side] = ch['sh_abd_' + side] + drive['sh_abd_' + side]
        ch['elbow_' + side] = np.maximum(
            ch['elbow_' + side] + drive['elbow_' + side], 2 * _DEG)
    ch['spine_twist'] = ch['spine_twist'] + 0.5 * drive['spine_twist']
    ch['chest_twist'] = ch['chest_twist'] + 0.5 * drive['spine_twist']
    ch['spine_side'] = ch['spine_side'] + drive['spine_side']
    ch['neck_flex'] = ch['neck_flex'] + drive['neck_flex']
    ch['yaw'] = rng.uniform(0, 2 * np.pi) + smooth_noise(rng, t, 6 * _DEG,
                                                          0.02, 0.1)
    return ch, None, _anchor(rng, t)


_ACTION_FUNCTIONS: Dict[str, Callable] = {
    'Walking': _walking,
    'SittingDown': _sitting_down,
    'Waving': _waving,
    'Squatting': _squatting,
    'Turning': _turning,
    'Reaching': _reaching,
}


def _softmin(a: np.ndarray, b: np.ndarray, tau: float) -> np.ndarray:
    m = np.minimum(a, b)
    return m - tau * np.log(np.exp(-(a - m) / tau) + np.exp(-(b - m) / tau))


def _synthesize(action: str, num_frames: int, body: Body,
                rng: np.random.Generator, fps: float):
    if int(num_frames) != num_frames or num_frames < 2:
        raise ValueError(f'num_frames must be an integer >= 2, got '
                         f'{num_frames!r}.')
    if action not in _ACTION_FUNCTIONS:
        raise ValueError(f'unknown synthetic action {action!r}; choose from '
                         f'{list(ACTIONS)}.')
    if fps != FPS:
        raise ValueError(f'the synthetic motions are designed at {FPS:g} fps '
                         f'(like Human3.6M); got fps={fps!r}.')
    t = np.arange(int(num_frames), dtype=np.float64) / fps
    ch, path_xy, anchor_xy = _ACTION_FUNCTIONS[action](rng, t, body)
    root, local = _local_rotations(ch)
    rel, frames = forward_kinematics(root, local, body)
    ankles = rel[:, [3, 6]]
    z_root = body.ankle_height - _softmin(ankles[:, 0, 2], ankles[:, 1, 2],
                                          0.01)
    if path_xy is not None:
        xy_root = path_xy
    else:
        xy_root = anchor_xy - ankles[:, :, :2].mean(axis=1)
    offset = np.concatenate([xy_root, z_root[:, None]], axis=1)
    return rel + offset[:, None], frames


def synthesize_motion_32(action: str, num_frames: int, body: Body,
                         rng: np.random.Generator,
                         fps: float = FPS) -> np.ndarray:
    """One synthetic sequence in the full 32-joint Human3.6M layout.

    Args:
        action: category from :data:`ACTIONS` ('Walking', 'SittingDown',
            'Waving', 'Squatting', 'Turning', 'Reaching').
        num_frames: N frames at 50 fps.
        body: subject proportions (:func:`subject_body`).
        rng: numpy Generator; all randomness (speed, amplitudes, phases,
            frequencies, path, heading, schedules) is drawn from it.
        fps: must be 50 (the motions are designed in seconds at 50 fps).

    Returns:
        (N, 32, 3) float64 world coordinates in metres (Z up, floor z = 0),
        the 17 kept joints at :data:`H36M_32_TO_17` (see :func:`expand_to_32`
        for the other 15).
    """
    pos, frames = _synthesize(action, num_frames, body, rng, fps)
    return expand_to_32(pos, frames, body)


def synthesize_motion(action: str, num_frames: int, body: Body,
                      rng: np.random.Generator,
                      fps: float = FPS) -> np.ndarray:
    """One synthetic sequence of the 17-joint skeleton.

    Same arguments as :func:`synthesize_motion_32`; returns (N, 17, 3)
    float64 world metres in Human3.6M-17 order. For the same ``rng`` state it
    equals ``synthesize_motion_32(...)[:, H36M_32_TO_17]``.
    """
    pos, _ = _synthesize(action, num_frames, body, rng, fps)
    return pos

