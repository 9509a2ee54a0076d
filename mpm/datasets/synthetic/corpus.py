"""The built-in motion corpus: many motion families in AMASS's joint format.

``generate_motion_corpus(out_dir)`` writes ``motion_corpus_h36m_50fps.npz``,
readable by :class:`mpm.datasets.AmassDataset` unchanged:

- ``positions_3d``: dict sequence name -> float32 (T, 17, 3) world metres,
  Human3.6M-17 order, Z up, floor at z = 0;
- ``labels``: dict sequence name -> int16 (T,) the family active at each
  frame (an index into ``metadata['families']`` =
  :data:`.motion_families.FAMILY_NAMES`);
- ``metadata``: ``fps`` (50), ``up_axis`` ('z'), ``families``, ``seed``,
  ``source``.

Sequence ``<family>/<index>`` (family name with ``_`` for spaces, e.g.
``walk_backwards/0002``) shows its main family several times, linked by the
connector families (standing with turns, walking on curved paths) with
0.5 s cross-fades. Per sequence: a new body (proportions wider than the
seven synthetic subjects'), an amplitude factor, a speed factor (time warp),
posture offsets, a start position and heading. Bones are rigid (forward
kinematics), the lowest joints touch the floor and no joint goes below its
clearance (ankles 8 cm x body scale), and the root follows the planted
support joints (no foot sliding on the ground, ballistic when airborne).
Each sequence draws from its own random stream (seed, family, index), so a
smaller ``num_sequences`` gives a subset of the same sequences.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mpm.utils.fileio import atomic_write
from .motion import (FPS, Body, _gaussian_smooth, _local_rotations, _neutral,
                     _smootherstep, forward_kinematics, sample_body)
from .motion_families import (CONNECTOR_FAMILIES, FAMILY_NAMES,
                              MOTION_FAMILIES, family_index, family_slug)

__all__ = [
    'CORPUS_FILE', 'DEFAULT_NUM_SEQUENCES', 'MAIN_FAMILIES',
    'BODY_SCALE_RANGE', 'corpus_body', 'synthesize_sequence',
    'corpus_sequence_names', 'build_motion_corpus', 'generate_motion_corpus'
]

#: File name written by :func:`generate_motion_corpus`.
CORPUS_FILE = 'motion_corpus_h36m_50fps.npz'
#: Main families (every family but the connectors), in label order.
MAIN_FAMILIES: Tuple[str, ...] = tuple(n for n in FAMILY_NAMES
                                       if n not in CONNECTOR_FAMILIES)
#: Default size: 4 sequences per main family (96 x ~21 s: ~34 min).
DEFAULT_NUM_SEQUENCES = 4 * len(MAIN_FAMILIES)
#: Overall body scale range (the synthetic subjects: 0.92-1.07).
BODY_SCALE_RANGE = (0.80, 1.18)

_STREAM = 0xC0A
_DEG = np.pi / 180.0
_CROSSFADE = 0.5  # s
#: Joints that may carry the body (support): pelvis, knees, ankles, wrists.
_SUPPORT = np.array([0, 2, 3, 5, 6, 13, 16])


def corpus_body(rng: np.random.Generator) -> Body:
    """A random body: scale in :data:`BODY_SCALE_RANGE`, +-10% per bone
    type, +-1.5% left/right."""
    return sample_body(rng, BODY_SCALE_RANGE, bone_jitter=0.10,
                       side_jitter=0.015)


def _clearance(body: Body) -> np.ndarray:
    """(17,) lowest height (m) of each joint above the floor."""
    c = np.full(17, 0.05 * body.scale)
    c[[3, 6]] = body.ankle_height
    c[0] = 0.10 * body.scale
    c[[13, 16]] = 0.03 * body.scale
    return c


def _timeline(rng: np.random.Generator, main: str,
              duration: float) -> List[Tuple[str, float, float]]:
    """Segments (family, start, end) covering [0, duration]: connectors and
    the main family alternate, starting with a connector."""
    segments, t, turn = [], 0.0, 0
    while t < duration:
        if turn % 2 == 0:
            family = CONNECTOR_FAMILIES[int(rng.random() < 0.45)]
            length = rng.uniform(1.2, 3.0)
        else:
            family = main
            length = rng.uniform(4.0, 8.0)
        segments.append((family, t, t + length))
        t += length
        turn += 1
    if segments[-1][0] != main or len(segments) < 2:
        segments.append((main, t, t + rng.uniform(4.0, 8.0)))
    return segments


def _weights(t: np.ndarray, segments) -> np.ndarray:
    """(K, N) cross-fade weights of the segments (a partition of unity)."""
    w = np.ones((len(segments), len(t)))
    for k, (_, start, end) in enumerate(segments):
        if k > 0:
            w[k] *= _smootherstep((t - start) / _CROSSFADE + 0.5)
        if k < len(segments) - 1:
            w[k] *= 1 - _smootherstep((t - end) / _CROSSFADE + 0.5)
    return w


def _softmin_rows(h: np.ndarray, tau: float) -> np.ndarray:
    """(N, K) -> (N,) smooth minimum, never above the true minimum."""
    m = h.min(axis=1, keepdims=True)
    return m[:, 0] - tau * np.log(np.exp(-(h - m) / tau).sum(axis=1))


def _solve_root(rel: np.ndarray, body: Body, yaw: np.ndarray,
                flight: np.ndarray, flight_speed: np.ndarray,
                start_xy: np.ndarray) -> np.ndarray:
    """(N, 3) world pelvis position from the pelvis-relative joints.

    Height: the lowest joint (relative to its clearance) touches the floor,
    plus the flight height. Horizontal: the weighted lowest support joints
    stay where they are (the pelvis moves opposite to them); airborne, the
    body keeps ``flight_speed`` along its heading.
    """
    h = rel[..., 2] - _clearance(body)
    z = -_softmin_rows(h, 0.01) + flight
    hs = h[:, _SUPPORT]
    ws = np.exp(-(hs - hs.min(axis=1, keepdims=True)) / 0.01)
    ws /= ws.sum(axis=1, keepdims=True)
    vel = np.gradient(rel[:, _SUPPORT, :2], 1.0 / FPS, axis=0)
    v = -(ws[..., None] * vel).sum(axis=1)
    v = np.stack([_gaussian_smooth(v[:, 0], 1.5),
                  _gaussian_smooth(v[:, 1], 1.5)], axis=1)
    air = flight > 1e-3
    heading = np.stack([np.cos(yaw), np.sin(yaw)], axis=1)
    v[air] = flight_speed[air, None] * heading[air]
    xy = start_xy + np.cumsum(v, axis=0) / FPS
    return np.concatenate([xy, z[:, None]], axis=1)


def synthesize_sequence(main: str, rng: np.random.Generator,
                        duration: Optional[float] = None
                        ) -> Tuple[np.ndarray, np.ndarray, Body]:
    """One corpus sequence of family ``main``.

    Args:
        main: a name of :data:`MAIN_FAMILIES` (readable form, e.g. 'jump').
        rng: all randomness (body, style, timeline, motion) comes from it.
        duration: seconds (default: uniform 16-26 s).

    Returns:
        positions (T, 17, 3) float64 world metres (Z up, floor z = 0),
        labels (T,) int16 family index per frame, and the body.
    """
    if main not in MAIN_FAMILIES:
        raise ValueError(f'{main!r} is not a main motion family; choose from '
                         f'{list(MAIN_FAMILIES)}.')
    body = corpus_body(rng)
    amp = rng.uniform(0.75, 1.2)
    speed = rng.uniform(0.8, 1.25)
    if duration is None:
        duration = rng.uniform(16.0, 26.0)
    n = max(int(round(duration * FPS)), 2)
    t = np.arange(n) / FPS
    segments = _timeline(rng, main, t[-1])
    weights = _weights(t, segments)
    ch = _neutral(rng, t, idle=rng.uniform(0.7, 1.5))
    neutral_pitch = ch['pitch'].copy()
    # Sequence style: posture offsets kept through every family.
    for key, std in (('pitch', 4), ('neck_flex', 6), ('spine_flex', 3)):
        ch[key] = ch[key] + rng.normal(0.0, std) * _DEG
    for side in ('r', 'l'):
        bend = abs(rng.normal(0, 8)) * _DEG
        ch['elbow_' + side] = ch['elbow_' + side] + bend
        ch['hip_abd_' + side] = ch['hip_abd_' + side] + rng.normal(0, 2) * _DEG
    yaw_rate = np.zeros(n)
    flight = np.zeros(n)
    flight_speed = np.zeros(n)
    table = {f.name: f for f in MOTION_FAMILIES}
    tw = t * speed
    for (family, start, end), w in zip(segments, weights):
        clip = table[family].make(rng, tw, start * speed, end * speed, amp)
        for key, value in clip.offsets.items():
            ch[key] = ch[key] + w * value
        if clip.yaw_rate is not None:
            yaw_rate += w * clip.yaw_rate * speed
        if clip.flight is not None:
            flight += w * clip.flight
        flight_speed += w * clip.flight_speed * speed
    for side in ('r', 'l'):  # thighs are given in the world (docstring)
        ch['hip_flex_' + side] = ch['hip_flex_' + side] + (ch['pitch']
                                                           - neutral_pitch)
    yaw = (rng.uniform(0, 2 * np.pi) + np.cumsum(yaw_rate) / FPS
           + ch['yaw'])
    ch['yaw'] = yaw
    rel, _ = forward_kinematics(*_local_rotations(ch), body)
    root = _solve_root(rel, body, yaw, flight, flight_speed,
                       rng.uniform(-2.0, 2.0, 2))
    labels = np.array([family_index(segments[k][0])
                       for k in weights.argmax(axis=0)], np.int16)
    return rel + root[:, None], labels, body


def corpus_sequence_names(num_sequences: int) -> List[Tuple[str, str, int]]:
    """``(sequence name, family, index)`` of the first ``num_sequences``:
    the main families in turn (``run/0000``, ``jog/0000``, ...)."""
    if int(num_sequences) != num_sequences or num_sequences < 1:
        raise ValueError(f'num_sequences must be an integer >= 1, got '
                         f'{num_sequences!r}.')
    out = []
    for i in range(int(num_sequences)):
        family = MAIN_FAMILIES[i % len(MAIN_FAMILIES)]
        index = i // len(MAIN_FAMILIES)
        out.append((f'{family_slug(family)}/{index:04d}', family, index))
    return out


def build_motion_corpus(seed: int = 0,
                        num_sequences: int = DEFAULT_NUM_SEQUENCES,
                        families: Optional[Sequence[str]] = None
                        ) -> Tuple[Dict[str, np.ndarray],
                                   Dict[str, np.ndarray], dict]:
    """The corpus in memory: (positions_3d, labels, metadata).

    Args:
        seed: master seed; sequence ``<family>/<i>`` draws from
            ``np.random.default_rng([seed, family index, i, stream])``.
        num_sequences: number of sequences (main families in turn).
        families: keep only these main families (readable names).

    Returns:
        ``positions_3d`` name -> float32 (T, 17, 3) metres, ``labels`` name ->
        int16 (T,), ``metadata`` dict (module docstring).
    """
    if families is not None:
        unknown = set(families) - set(MAIN_FAMILIES)
        if unknown:
            raise ValueError(f'unknown motion families {sorted(unknown)}; '
                             f'choose from {list(MAIN_FAMILIES)}.')
    positions, labels = {}, {}
    for name, family, index in corpus_sequence_names(num_sequences):
        if families is not None and family not in families:
            continue
        rng = np.random.default_rng(
            [int(seed), family_index(family), index, _STREAM])
        pos, lab, _ = synthesize_sequence(family, rng)
        positions[name] = pos.astype(np.float32)
        labels[name] = lab
    metadata = dict(fps=FPS, up_axis='z', families=list(FAMILY_NAMES),
                    seed=int(seed), joints='h36m-17',
                    source='mpm built-in motion corpus')
    return positions, labels, metadata


def generate_motion_corpus(out_dir: str, seed: int = 0,
                           num_sequences: int = DEFAULT_NUM_SEQUENCES,
                           families: Optional[Sequence[str]] = None) -> str:
    """Write ``out_dir/motion_corpus_h36m_50fps.npz`` (module docstring);
    returns its path."""
    positions, labels, metadata = build_motion_corpus(seed, num_sequences,
                                                      families)
    path = osp.join(out_dir, CORPUS_FILE)
    atomic_write(path, lambda f: np.savez(
        f, positions_3d=positions, labels=labels, metadata=metadata))
    return path
