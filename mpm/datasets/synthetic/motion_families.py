"""Motion families of the built-in motion corpus (the AMASS stand-in).

Each family is a procedural motion in the joint-angle channels of
:mod:`.motion` (same skeleton, same forward kinematics). A family function
returns a :class:`FamilyClip`: channel *offsets* (radians, added to the
relaxed standing pose of :func:`.motion._neutral`), an optional flight height
(jumps), an optional heading rate (turns, spins) and a forward speed carried
through the air. :mod:`.corpus` blends clips of several families into one
sequence and solves the root (floor contact, planted feet).

Offsets use *world* thigh angles: ``hip_flex_*`` is the thigh's forward angle
from the vertical; the corpus adds the pelvis pitch to it afterwards, so a
family that bends the trunk (``pitch``) does not swing the legs.

:data:`MOTION_FAMILIES` is the public table (readable English names such as
``'jump'`` or ``'walk backwards'``, in a fixed order: a family's index is its
label id in the corpus file). :data:`CONNECTOR_FAMILIES` (``'stand'``,
``'walk'``) link the repetitions of a sequence's main family.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from .motion import FPS, _bump, keyframe_curve, smooth_noise

__all__ = [
    'FamilyClip', 'MotionFamily', 'MOTION_FAMILIES', 'CONNECTOR_FAMILIES',
    'FAMILY_NAMES', 'family_index', 'family_slug'
]

_DEG = np.pi / 180.0
_SIDES = ('r', 'l')


@dataclass
class FamilyClip:
    """One family's motion over a sequence's time axis (N frames).

    Attributes:
        offsets: channel name -> (N,) radians added to the neutral pose
            (thigh angles in the world, see the module docstring).
        flight: (N,) metres the whole body is lifted off the floor, or None.
        yaw_rate: (N,) heading change, rad/s (positive: turn left), or None.
        flight_speed: forward speed (m/s, body heading) while airborne.
    """
    offsets: Dict[str, np.ndarray]
    flight: Optional[np.ndarray] = None
    yaw_rate: Optional[np.ndarray] = None
    flight_speed: float = 0.0


@dataclass(frozen=True)
class MotionFamily:
    """A row of :data:`MOTION_FAMILIES`.

    Attributes:
        name: readable English name (``'sit on the floor and stand up'``).
        group: 'locomotion', 'upper body', 'whole body' or 'connector'.
        make: ``make(rng, t, start, end, amp)`` -> :class:`FamilyClip`;
            ``t`` (N,) seconds, the family is shown on ``[start, end]`` (event
            families fit their action inside it), ``amp`` the sequence's
            amplitude factor (about 0.75-1.2).
    """
    name: str
    group: str
    make: Callable[..., FamilyClip]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _add(off: Dict[str, np.ndarray], key: str, value) -> None:
    off[key] = off.get(key, 0.0) + value


def _phase(rng, t, freq, jitter=0.04):
    """Gait/rhythm phase (N,) radians with slight tempo variation."""
    f = freq * (1 + smooth_noise(rng, t, jitter, 0.02, 0.15))
    return 2 * np.pi * np.cumsum(f) * _step(t) + rng.uniform(0, 2 * np.pi)


def _step(t):
    """Time step (s) of ``t`` (the corpus may speed a family up or down)."""
    return float(t[1] - t[0]) if len(t) > 1 else 1.0 / FPS


def _envelope(t, start, end, rise, fall=None):
    """0 -> 1 -> 0 over [start, end] with eased ramps (s)."""
    fall = rise if fall is None else fall
    mid0 = min(start + rise, 0.5 * (start + end))
    mid1 = max(end - fall, mid0)
    return keyframe_curve(t, [start, mid0, mid1, end], [0.0, 1.0, 1.0, 0.0])


def _events(rng, start, end, duration, gap):
    """Start times of events of ``duration`` (s) separated by ``gap`` (s)
    ranges that fit in [start, end] (at least one)."""
    times, tt = [], start + rng.uniform(0.1, 0.4)
    while True:
        d = rng.uniform(*duration)
        if times and tt + d > end:
            break
        times.append((tt, d))
        tt += d + rng.uniform(*gap)
    return times


def _gait(rng, t, amp, freq, hip, knee, arm, lean, direction=1.0,
          knee_lift=0.0, elbow=0.0):
    """Leg cycle with counter-swinging arms.

    ``direction=-1`` plays the cycle backwards (walking backwards): the
    planted foot then moves forward relative to the pelvis and the root
    solver moves the body backward.
    """
    ph = direction * _phase(rng, t, freq)
    off = {}
    for side, p in (('r', ph), ('l', ph + np.pi)):
        _add(off, 'hip_flex_' + side, amp * (hip * np.sin(p)
                                             + knee_lift * _bump(p, 0.5, 2.0)))
        _add(off, 'knee_' + side, amp * (knee * _bump(p, -0.05 * np.pi, 2.2)
                                         + 12 * _DEG * _bump(p, 0.7 * np.pi,
                                                             4.0)
                                         + knee_lift * 1.6
                                         * _bump(p, 0.4, 2.0)))
        _add(off, 'sh_flex_' + side, -amp * arm * np.sin(p))
        _add(off, 'elbow_' + side, elbow + amp * 0.3 * arm
             * (1 - np.sin(p)))
    off['pitch'] = np.full(len(t), lean)
    off['roll'] = 3 * _DEG * np.sin(ph)
    off['spine_twist'] = -5 * _DEG * amp * np.sin(ph)
    off['chest_twist'] = -4 * _DEG * amp * np.sin(ph)
    return off, ph


def _hops(ph, height, width=0.35):
    """Flight height (N,) with a hop per cycle of ``ph`` (a parabola-like
    bump of ``height`` m covering ``width`` of the cycle)."""
    u = np.mod(ph, 2 * np.pi) / (2 * np.pi)
    inside = u < width
    x = np.where(inside, u / width, 0.0)
    return np.where(inside, 4 * height * x * (1 - x), 0.0)


def _turning(rng, t, std_deg=25.0):
    """Heading rate (N,) rad/s wandering around zero (curved paths)."""
    return smooth_noise(rng, t, std_deg * _DEG, 0.03, 0.2)


# ---------------------------------------------------------------------------
# Connectors
# ---------------------------------------------------------------------------
def _stand(rng, t, start, end, amp):
    off = {'roll': smooth_noise(rng, t, 2 * _DEG, 0.05, 0.3)}
    turn = np.zeros(len(t))
    for t0, d in _events(rng, start, end, (0.8, 1.5), (1.0, 3.0)):
        if rng.random() < 0.5:
            w = keyframe_curve(t, [t0, t0 + 0.5 * d, t0 + d], [0, 1, 0])
            turn += rng.choice([-1, 1]) * rng.uniform(1.0, 2.5) * w
    return FamilyClip(off, yaw_rate=turn)


def _walk(rng, t, start, end, amp):
    off, _ = _gait(rng, t, amp, rng.uniform(0.8, 1.05), 20 * _DEG,
                   55 * _DEG, 16 * _DEG, 5 * _DEG)
    return FamilyClip(off, yaw_rate=_turning(rng, t))


# ---------------------------------------------------------------------------
# Locomotion
# ---------------------------------------------------------------------------
def _run(rng, t, start, end, amp):
    off, ph = _gait(rng, t, amp, rng.uniform(1.3, 1.6), 38 * _DEG,
                    95 * _DEG, 40 * _DEG, 12 * _DEG, elbow=70 * _DEG)
    return FamilyClip(off, flight=_hops(2 * ph, 0.06 * amp, 0.3),
                      yaw_rate=_turning(rng, t, 20), flight_speed=3.0 * amp)


def _jog(rng, t, start, end, amp):
    off, ph = _gait(rng, t, amp, rng.uniform(1.15, 1.35), 27 * _DEG,
                    75 * _DEG, 25 * _DEG, 8 * _DEG, elbow=60 * _DEG)
    return FamilyClip(off, flight=_hops(2 * ph, 0.03 * amp, 0.25),
                      yaw_rate=_turning(rng, t, 20), flight_speed=2.0 * amp)


def _walk_backwards(rng, t, start, end, amp):
    off, _ = _gait(rng, t, amp, rng.uniform(0.7, 0.9), 16 * _DEG,
                   45 * _DEG, 10 * _DEG, -2 * _DEG, direction=-1.0)
    return FamilyClip(off, yaw_rate=_turning(rng, t, 10))


def _climb_steps(rng, t, start, end, amp):
    """High steps as on stairs: the knee lifts the thigh to ~60-80 deg."""
    off, _ = _gait(rng, t, amp, rng.uniform(0.6, 0.8), 12 * _DEG,
                   40 * _DEG, 18 * _DEG, 10 * _DEG,
                   knee_lift=rng.uniform(45, 65) * _DEG)
    return FamilyClip(off, yaw_rate=_turning(rng, t, 10))


def _skip(rng, t, start, end, amp):
    off, ph = _gait(rng, t, amp, rng.uniform(1.0, 1.2), 25 * _DEG,
                    60 * _DEG, 45 * _DEG, 6 * _DEG,
                    knee_lift=rng.uniform(30, 45) * _DEG)
    return FamilyClip(off, flight=_hops(2 * ph, 0.10 * amp, 0.3),
                      yaw_rate=_turning(rng, t, 15), flight_speed=1.5 * amp)


def _side_step(rng, t, start, end, amp):
    """Alternating abduction: the stance foot stays, the body moves
    sideways (direction reverses now and then)."""
    ph = _phase(rng, t, rng.uniform(0.8, 1.1))
    sign = np.sign(smooth_noise(rng, t, 1.0, 0.03, 0.08) + 1e-3)
    off = {}
    a = amp * rng.uniform(12, 20) * _DEG
    for side, s in (('r', 1.0), ('l', -1.0)):
        _add(off, 'hip_abd_' + side, a * np.maximum(s * sign * np.sin(ph),
                                                     0.0)
             + 0.5 * a * np.maximum(-s * sign * np.sin(ph), 0.0))
        _add(off, 'knee_' + side, 15 * _DEG * np.abs(np.sin(ph)))
        _add(off, 'sh_abd_' + side, 10 * _DEG * amp * np.abs(np.sin(ph)))
    off['roll'] = 2 * _DEG * np.sin(ph)
    return FamilyClip(off)


def _jump(rng, t, start, end, amp):
    """Jumps on the spot or forward: crouch, take-off with an arm swing,
    flight of 0.2-0.45 s, landing in a crouch."""
    n = len(t)
    crouch, flight, arms = np.zeros(n), np.zeros(n), np.zeros(n)
    forward = rng.uniform(0.0, 1.5) if rng.random() < 0.6 else 0.0
    for t0, d in _events(rng, start, end, (1.4, 2.0), (0.4, 1.5)):
        air = rng.uniform(0.25, 0.45) * np.sqrt(amp)
        t_off = t0 + 0.55
        crouch += keyframe_curve(t, [t0, t0 + 0.4, t_off, t_off + air,
                                     t_off + air + 0.15, t0 + d],
                                 [0, 1, 0, 0, 0.8, 0])
        arms += keyframe_curve(t, [t0, t0 + 0.4, t_off, t_off + air,
                                   t0 + d], [0, -0.6, 1.0, 0.3, 0])
        u = (t - t_off) / air
        inside = (u > 0) & (u < 1)
        flight += np.where(inside, 0.5 * 9.81 * air**2 / 4 * 4 * u * (1 - u),
                           0.0)
    off = {'pitch': 30 * _DEG * crouch}
    for side in _SIDES:
        _add(off, 'hip_flex_' + side, 60 * _DEG * crouch)
        _add(off, 'knee_' + side, 95 * _DEG * crouch)
        _add(off, 'sh_flex_' + side, 70 * _DEG * amp * arms)
        _add(off, 'elbow_' + side, 20 * _DEG * np.abs(arms))
    return FamilyClip(off, flight=flight, flight_speed=forward)


def _hop(rng, t, start, end, amp):
    """Hops on one leg; the other knee is flexed, foot behind."""
    side = rng.choice(_SIDES)
    other = 'l' if side == 'r' else 'r'
    ph = _phase(rng, t, rng.uniform(1.4, 1.9))
    bend = 0.5 + 0.5 * np.cos(ph)
    off = {'pitch': np.full(len(t), 8 * _DEG)}
    _add(off, 'hip_flex_' + other, rng.uniform(10, 40) * _DEG * amp)
    _add(off, 'knee_' + other, rng.uniform(70, 100) * _DEG)
    _add(off, 'hip_flex_' + side, 20 * _DEG * bend)
    _add(off, 'knee_' + side, 40 * _DEG * bend)
    _add(off, 'hip_abd_' + side, -3 * _DEG)
    off['roll'] = np.full(len(t), (-1 if side == 'r' else 1) * 4 * _DEG)
    for s in _SIDES:
        _add(off, 'sh_abd_' + s, 25 * _DEG * amp)
        _add(off, 'sh_flex_' + s, 15 * _DEG * np.sin(ph))
    return FamilyClip(off, flight=_hops(ph + np.pi / 2, 0.08 * amp, 0.35),
                      flight_speed=rng.uniform(0.0, 0.8))


# ---------------------------------------------------------------------------
# Upper body
# ---------------------------------------------------------------------------
def _throw(rng, t, start, end, amp):
    side = 'r' if rng.random() < 0.75 else 'l'
    sgn = 1.0 if side == 'r' else -1.0
    n = len(t)
    wind, swing = np.zeros(n), np.zeros(n)
    for t0, d in _events(rng, start, end, (1.6, 2.4), (0.5, 2.0)):
        tw = t0 + rng.uniform(0.5, 0.8)
        ts = tw + rng.uniform(0.15, 0.25)
        wind += keyframe_curve(t, [t0, tw, ts], [0, 1, 0])
        swing += keyframe_curve(t, [tw, ts, ts + 0.25, t0 + d], [0, 1, 1, 0])
    off = {'spine_twist': sgn * (-30 * wind + 25 * swing) * _DEG * amp,
           'chest_twist': sgn * (-15 * wind + 15 * swing) * _DEG * amp,
           'pitch': (-5 * wind + 15 * swing) * _DEG}
    _add(off, 'sh_flex_' + side, (-20 * wind + 120 * swing) * _DEG * amp)
    _add(off, 'sh_abd_' + side, 70 * _DEG * wind)
    _add(off, 'sh_rot_' + side, (80 * wind - 20 * swing) * _DEG)
    _add(off, 'elbow_' + side, (80 * wind + 10 * swing) * _DEG)
    other = 'l' if side == 'r' else 'r'
    _add(off, 'sh_flex_' + other, (50 * wind - 20 * swing) * _DEG)
    lead = other
    _add(off, 'hip_flex_' + lead, 20 * _DEG * swing)
    _add(off, 'knee_' + lead, 20 * _DEG * swing)
    return FamilyClip(off)


def _punch(rng, t, start, end, amp):
    """Boxing guard with fast alternating jabs."""
    off = {'pitch': np.full(len(t), 6 * _DEG),
           'spine_twist': np.zeros(len(t))}
    for side in _SIDES:
        _add(off, 'sh_flex_' + side, 45 * _DEG)
        _add(off, 'elbow_' + side, 110 * _DEG)
        _add(off, 'hip_flex_' + side, 10 * _DEG)
        _add(off, 'knee_' + side, 20 * _DEG)
    for t0, d in _events(rng, start, end, (0.3, 0.5), (0.1, 0.7)):
        side = rng.choice(_SIDES)
        w = keyframe_curve(t, [t0, t0 + 0.4 * d, t0 + d], [0, 1, 0])
        _add(off, 'sh_flex_' + side, rng.uniform(35, 50) * _DEG * amp * w)
        _add(off, 'elbow_' + side, -100 * _DEG * w)
        off['spine_twist'] += (1 if side == 'r' else -1) * 20 * _DEG * w
    return FamilyClip(off)


def _reach_overhead(rng, t, start, end, amp):
    n = len(t)
    up = np.zeros(n)
    for t0, d in _events(rng, start, end, (1.5, 3.0), (0.3, 1.5)):
        up += _envelope(t, t0, t0 + d, 0.6)
    off = {'pitch': -5 * _DEG * up, 'neck_flex': -20 * _DEG * up,
           'head_flex': -10 * _DEG * up}
    for side in _SIDES:
        _add(off, 'sh_flex_' + side, rng.uniform(150, 175) * _DEG * up)
        _add(off, 'sh_abd_' + side, rng.uniform(0, 25) * _DEG * up)
        _add(off, 'elbow_' + side, -10 * _DEG * up)
    return FamilyClip(off)


def _wave_both_arms(rng, t, start, end, amp):
    ph = _phase(rng, t, rng.uniform(0.8, 1.5))
    env = _envelope(t, start, end, 0.8)
    off = {'spine_side': 5 * _DEG * np.sin(ph) * env}
    for side, s in (('r', 1), ('l', -1)):
        _add(off, 'sh_abd_' + side,
             (140 + 25 * amp * s * np.sin(ph)) * _DEG * env)
        _add(off, 'sh_rot_' + side, 60 * _DEG * env)
        _add(off, 'elbow_' + side, (20 + 15 * np.sin(ph)) * _DEG * env)
    return FamilyClip(off)


def _clap(rng, t, start, end, amp):
    ph = _phase(rng, t, rng.uniform(1.5, 2.8))
    env = _envelope(t, start, end, 0.6)
    closing = 0.5 + 0.5 * np.cos(ph)
    height = rng.uniform(50, 110)
    off = {}
    for side in _SIDES:
        _add(off, 'sh_flex_' + side, height * _DEG * env)
        _add(off, 'sh_abd_' + side,
             (-12 + 35 * amp * (1 - closing)) * _DEG * env)
        _add(off, 'elbow_' + side, 45 * _DEG * env)
        _add(off, 'sh_rot_' + side, -20 * _DEG * env)
    return FamilyClip(off)


def _stretch(rng, t, start, end, amp):
    """Slow stretches: arms overhead with side bends, or a forward fold."""
    n = len(t)
    off = {k: np.zeros(n) for k in ('spine_side', 'chest_side', 'pitch',
                                     'spine_flex')}
    for t0, d in _events(rng, start, end, (2.5, 4.0), (0.3, 1.0)):
        w = _envelope(t, t0, t0 + d, 1.0)
        if rng.random() < 0.6:
            s = rng.choice([-1.0, 1.0])
            off['spine_side'] += s * 20 * _DEG * amp * w
            off['chest_side'] += s * 15 * _DEG * amp * w
            for side in _SIDES:
                _add(off, 'sh_flex_' + side, 165 * _DEG * w)
        else:
            off['pitch'] += 60 * _DEG * amp * w
            off['spine_flex'] += 25 * _DEG * w
            for side in _SIDES:
                _add(off, 'sh_flex_' + side, 80 * _DEG * w)
    return FamilyClip(off)


def _golf_swing(rng, t, start, end, amp):
    """Two-handed swing: backswing with trunk twist, downswing, follow."""
    n = len(t)
    back, through = np.zeros(n), np.zeros(n)
    for t0, d in _events(rng, start, end, (2.0, 3.0), (0.3, 1.2)):
        tb = t0 + rng.uniform(0.8, 1.1)
        tt = tb + rng.uniform(0.25, 0.35)
        back += keyframe_curve(t, [t0, tb, tt], [0, 1, 0])
        through += keyframe_curve(t, [tb, tt, tt + 0.3, t0 + d],
                                  [0, 1, 1, 0])
    twist = (-60 * back + 50 * through) * _DEG * amp
    off = {'spine_twist': 0.5 * twist, 'chest_twist': 0.5 * twist,
           'pitch': np.full(n, 25 * _DEG)}
    for side in _SIDES:
        _add(off, 'sh_flex_' + side, (60 + 50 * back + 50 * through) * _DEG)
        _add(off, 'knee_' + side, 15 * _DEG)
        _add(off, 'hip_flex_' + side, 10 * _DEG)
    _add(off, 'sh_abd_r', (-20 + 40 * through) * _DEG)
    _add(off, 'sh_abd_l', (-20 + 40 * back) * _DEG)
    _add(off, 'elbow_r', 60 * _DEG * back)
    _add(off, 'elbow_l', 60 * _DEG * through)
    return FamilyClip(off)


def _jumping_jacks(rng, t, start, end, amp):
    ph = _phase(rng, t, rng.uniform(0.9, 1.3))
    env = _envelope(t, start, end, 0.5)
    open_ = (0.5 - 0.5 * np.cos(ph)) * env
    off = {}
    for side in _SIDES:
        _add(off, 'sh_abd_' + side, 150 * _DEG * amp * open_)
        _add(off, 'hip_abd_' + side, 18 * _DEG * open_)
        _add(off, 'knee_' + side, 15 * _DEG * np.abs(np.sin(ph)) * env)
    return FamilyClip(off, flight=_hops(2 * ph + np.pi, 0.07 * amp, 0.35)
                      * env)


# ---------------------------------------------------------------------------
# Whole body
# ---------------------------------------------------------------------------
def _bend_and_pick_up(rng, t, start, end, amp):
    n = len(t)
    off = {k: np.zeros(n) for k in ('pitch', 'spine_flex', 'neck_flex')}
    for t0, d in _events(rng, start, end, (2.0, 3.5), (0.3, 1.5)):
        w = _envelope(t, t0, t0 + d, 0.9)
        squat = rng.uniform(0.0, 1.0)
        off['pitch'] += (80 - 40 * squat) * _DEG * amp * w
        off['spine_flex'] += 20 * _DEG * w
        off['neck_flex'] += -25 * _DEG * w
        for side in _SIDES:
            _add(off, 'hip_flex_' + side, 70 * _DEG * squat * w)
            _add(off, 'knee_' + side, (15 + 110 * squat) * _DEG * w)
        side = rng.choice(_SIDES)
        _add(off, 'sh_flex_' + side, 60 * _DEG * w)
    return FamilyClip(off)


def _crouch(rng, t, start, end, amp):
    n = len(t)
    low = np.zeros(n)
    for t0, d in _events(rng, start, end, (2.5, 5.0), (0.3, 1.0)):
        low += _envelope(t, t0, t0 + d, 0.8)
    off = {'pitch': 40 * _DEG * low, 'neck_flex': -30 * _DEG * low}
    for side in _SIDES:
        _add(off, 'hip_flex_' + side, 105 * _DEG * low)
        _add(off, 'knee_' + side, rng.uniform(130, 145) * _DEG * low)
        _add(off, 'hip_abd_' + side, 15 * _DEG * low)
        _add(off, 'sh_flex_' + side, 50 * _DEG * low)
        _add(off, 'elbow_' + side, 60 * _DEG * low)
    return FamilyClip(off)


def _lunge(rng, t, start, end, amp):
    n = len(t)
    off = {}
    for t0, d in _events(rng, start, end, (1.5, 2.5), (0.2, 1.0)):
        w = _envelope(t, t0, t0 + d, 0.6) * amp
        front = rng.choice(_SIDES)
        back = 'l' if front == 'r' else 'r'
        _add(off, 'hip_flex_' + front, 75 * _DEG * w)
        _add(off, 'knee_' + front, 85 * _DEG * w)
        _add(off, 'hip_flex_' + back, -25 * _DEG * w)
        _add(off, 'knee_' + back, 80 * _DEG * w)
        arms = rng.uniform(0, 1)
        for side in _SIDES:
            _add(off, 'sh_flex_' + side, 80 * _DEG * arms * w)
    off.setdefault('pitch', np.zeros(n))
    return FamilyClip(off)


def _kneel(rng, t, start, end, amp):
    """Down on one knee (or both), hold, stand up."""
    n = len(t)
    off = {'pitch': np.zeros(n)}
    for t0, d in _events(rng, start, end, (3.0, 5.0), (0.5, 1.5)):
        w = _envelope(t, t0, t0 + d, 1.0)
        if rng.random() < 0.6:  # one knee
            front = rng.choice(_SIDES)
            back = 'l' if front == 'r' else 'r'
            _add(off, 'hip_flex_' + front, 85 * _DEG * w)
            _add(off, 'knee_' + front, 90 * _DEG * w)
            _add(off, 'hip_flex_' + back, -5 * _DEG * w)
            _add(off, 'knee_' + back, 95 * _DEG * w)
        else:  # both knees, upright trunk
            for side in _SIDES:
                _add(off, 'hip_flex_' + side, 5 * _DEG * w)
                _add(off, 'knee_' + side, 100 * _DEG * w)
        for side in _SIDES:
            _add(off, 'sh_flex_' + side, 20 * _DEG * w)
    return FamilyClip(off)


def _sit_on_floor(rng, t, start, end, amp):
    """Down to a crouch, sit on the floor (legs forward or crossed), stay,
    back up through the crouch."""
    n = len(t)
    crouch, sit = np.zeros(n), np.zeros(n)
    for t0, d in _events(rng, start, end, (5.0, 8.0), (0.5, 1.0)):
        a, b = t0 + 1.0, t0 + 1.8
        c, e = t0 + d - 1.8, t0 + d - 1.0
        crouch += keyframe_curve(t, [t0, a, b, c, e, t0 + d],
                                 [0, 1, 0, 0, 1, 0])
        sit += keyframe_curve(t, [a, b, c, e], [0, 1, 1, 0])
    crossed = rng.random() < 0.5
    off = {'pitch': (40 * crouch - 15 * sit) * _DEG}
    for side in _SIDES:
        _add(off, 'hip_flex_' + side, (100 * crouch + 85 * sit) * _DEG)
        _add(off, 'knee_' + side,
             (135 * crouch + (110 if crossed else 15) * sit) * _DEG)
        _add(off, 'hip_abd_' + side, (10 * crouch
                                      + (40 if crossed else 8) * sit) * _DEG)
        _add(off, 'hip_rot_' + side, (40 if crossed else 0) * _DEG * sit)
        _add(off, 'sh_flex_' + side, (40 * crouch - 25 * sit) * _DEG)
        _add(off, 'elbow_' + side, 20 * _DEG * sit)
    return FamilyClip(off)


def _kick(rng, t, start, end, amp):
    n = len(t)
    off = {'pitch': np.zeros(n)}
    for t0, d in _events(rng, start, end, (0.9, 1.4), (0.3, 1.2)):
        side = rng.choice(_SIDES)
        chamber = keyframe_curve(t, [t0, t0 + 0.3 * d, t0 + 0.75 * d,
                                     t0 + d], [0, 1, 1, 0])
        snap = keyframe_curve(t, [t0 + 0.3 * d, t0 + 0.45 * d,
                                  t0 + 0.6 * d, t0 + 0.75 * d], [0, 1, 1, 0])
        height = rng.uniform(60, 100) * _DEG * amp
        _add(off, 'hip_flex_' + side, height * chamber)
        _add(off, 'knee_' + side, (100 * chamber - 95 * snap) * _DEG)
        off['pitch'] += -10 * _DEG * snap
        for s in _SIDES:
            _add(off, 'sh_abd_' + s, 25 * _DEG * chamber)
            _add(off, 'elbow_' + s, 50 * _DEG * chamber)
    return FamilyClip(off)


def _spin(rng, t, start, end, amp):
    """Turns of 360 degrees and more on the spot, arms out."""
    n = len(t)
    rate, arms = np.zeros(n), np.zeros(n)
    for t0, d in _events(rng, start, end, (1.0, 2.0), (0.5, 1.5)):
        turns = rng.choice([1.0, 1.0, 1.5, 2.0])
        w = keyframe_curve(t, [t0, t0 + 0.5 * d, t0 + d], [0, 1, 0])
        rate += rng.choice([-1, 1]) * 2 * np.pi * turns / (0.5 * d) * w
        arms += _envelope(t, t0 - 0.2, t0 + d + 0.2, 0.3)
    ph = 2.5 * np.cumsum(np.abs(rate)) * _step(t)
    off = {}
    for side, p in (('r', ph), ('l', ph + np.pi)):
        _add(off, 'sh_abd_' + side, 70 * _DEG * amp * arms)
        _add(off, 'hip_flex_' + side, 15 * _DEG * np.maximum(np.sin(p), 0)
             * np.minimum(np.abs(rate), 1.0))
        _add(off, 'knee_' + side, 30 * _DEG * np.maximum(np.sin(p), 0)
             * np.minimum(np.abs(rate), 1.0))
    return FamilyClip(off, yaw_rate=rate)


def _dance(rng, t, start, end, amp):
    """Dance-like steps to a beat: side steps, hip sway, arm swings."""
    beat = rng.uniform(1.6, 2.4)  # beats per second
    ph = _phase(rng, t, beat / 2, 0.02)
    arm_style = rng.integers(3)
    off = {'roll': 6 * _DEG * amp * np.sin(ph),
           'spine_side': -5 * _DEG * amp * np.sin(ph),
           'spine_twist': 10 * _DEG * amp * np.sin(ph / 2),
           'pitch': np.full(len(t), 4 * _DEG)}
    for side, p in (('r', ph), ('l', ph + np.pi)):
        lift = np.maximum(np.sin(p), 0.0)
        _add(off, 'knee_' + side, (20 + 35 * lift) * _DEG * amp)
        _add(off, 'hip_flex_' + side, 20 * _DEG * lift * amp)
        _add(off, 'hip_abd_' + side, 8 * _DEG * lift)
        if arm_style == 0:
            _add(off, 'sh_abd_' + side, (50 + 40 * np.sin(p)) * _DEG * amp)
            _add(off, 'elbow_' + side, 60 * _DEG)
        elif arm_style == 1:
            _add(off, 'sh_flex_' + side, (60 + 50 * np.sin(p)) * _DEG * amp)
            _add(off, 'elbow_' + side, 80 * _DEG)
        else:
            _add(off, 'sh_flex_' + side, 130 * _DEG * lift * amp)
            _add(off, 'sh_abd_' + side, 30 * _DEG)
    return FamilyClip(off, yaw_rate=_turning(rng, t, 40))


#: The motion families of the corpus, in label order. The first two are the
#: connectors that link the repetitions of a sequence's main family.
MOTION_FAMILIES: Tuple[MotionFamily, ...] = (
    MotionFamily('stand', 'connector', _stand),
    MotionFamily('walk', 'connector', _walk),
    MotionFamily('run', 'locomotion', _run),
    MotionFamily('jog', 'locomotion', _jog),
    MotionFamily('jump', 'locomotion', _jump),
    MotionFamily('hop', 'locomotion', _hop),
    MotionFamily('skip', 'locomotion', _skip),
    MotionFamily('side step', 'locomotion', _side_step),
    MotionFamily('walk backwards', 'locomotion', _walk_backwards),
    MotionFamily('climb steps', 'locomotion', _climb_steps),
    MotionFamily('throw', 'upper body', _throw),
    MotionFamily('punch', 'upper body', _punch),
    MotionFamily('reach overhead', 'upper body', _reach_overhead),
    MotionFamily('wave both arms', 'upper body', _wave_both_arms),
    MotionFamily('clap', 'upper body', _clap),
    MotionFamily('stretch', 'upper body', _stretch),
    MotionFamily('golf swing', 'upper body', _golf_swing),
    MotionFamily('bend and pick up', 'whole body', _bend_and_pick_up),
    MotionFamily('crouch', 'whole body', _crouch),
    MotionFamily('lunge', 'whole body', _lunge),
    MotionFamily('kneel', 'whole body', _kneel),
    MotionFamily('sit on the floor and stand up', 'whole body',
                 _sit_on_floor),
    MotionFamily('kick', 'whole body', _kick),
    MotionFamily('spin', 'whole body', _spin),
    MotionFamily('dance', 'whole body', _dance),
    MotionFamily('jumping jacks', 'whole body', _jumping_jacks),
)

#: Family names in label order (``labels`` of the corpus index this tuple).
FAMILY_NAMES: Tuple[str, ...] = tuple(f.name for f in MOTION_FAMILIES)
#: The connector families (not a sequence's main family).
CONNECTOR_FAMILIES: Tuple[str, ...] = tuple(
    f.name for f in MOTION_FAMILIES if f.group == 'connector')


def family_index(name: str) -> int:
    """Label id of a family name (error listing the names if unknown)."""
    if name not in FAMILY_NAMES:
        raise ValueError(f'unknown motion family {name!r}; choose from '
                         f'{list(FAMILY_NAMES)}.')
    return FAMILY_NAMES.index(name)


def family_slug(name: str) -> str:
    """Family name as the first component of a sequence name
    (``'walk backwards'`` -> ``'walk_backwards'``)."""
    return name.replace(' ', '_')
