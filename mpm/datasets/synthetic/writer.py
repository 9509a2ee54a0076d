"""Build the synthetic Human3.6M set and write it in VideoPose3D's format.

Files written to ``out_dir`` (the exact layout of VideoPose3D's preparation
scripts, so the real loading code reads them unchanged):

- ``data_3d_h36m.npz``, key ``positions_3d``: dict subject -> dict sequence
  -> float32 (N, 32, 3) world metres (Z up, floor z = 0); also ``labels``
  (dict subject -> dict sequence -> int16 (N,) per-frame action ids) and
  ``label_names`` (the actions the ids index), read by
  :class:`~mpm.datasets.Human36mDataset` into ``meta['action']``.
- ``data_2d_h36m_gt.npz``, keys ``positions_2d`` (dict subject -> dict
  sequence -> list of 4 float32 (N, 17, 2) pixel arrays, one per camera in
  the calibration table's order) and ``metadata`` (:data:`METADATA`). The
  pixels are the 17 kept joints of the stored float32 3D poses, projected
  with each subject's real camera (``world_to_camera`` then
  ``project_to_pixels`` with lens distortion).
- ``data_2d_h36m_synthetic_det.npz``: same layout, detector-like 2D (see
  :func:`detector_noise`). Some sequences are a few frames longer than the
  3D (as real CPN files are); the extra frames continue the motion.

Sequences are named like Human3.6M's: trial 0 of 'Walking' is 'Walking',
trial 1 'Walking 1', trial 2 'Walking 2', ... Every sequence draws from its
own random streams, seeded by (seed, subject, action, trial), so a subset of
subjects / actions gives exactly the same arrays as the full set.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Sequence

import numpy as np

from mpm.datasets.camera import (Camera, h36m_cameras, project_to_pixels,
                                 world_to_camera)
from mpm.utils.fileio import atomic_write
from mpm.utils.skeleton import H36M_32_TO_17, H36M_SKELETON
from .motion import (ACTIONS, action_index, subject_body, subject_number,
                     synthesize_motion_32)

__all__ = [
    'DEFAULT_NUM_FRAMES', 'H36M_SIZE_NUM_FRAMES', 'SUBJECTS', 'METADATA',
    'DET_SOURCE', 'FILE_3D', 'FILE_2D_GT', 'FILE_2D_DET',
    'JOINT_NOISE_SCALE', 'sequence_names', 'sequence_rng',
    'project_sequence', 'detector_noise', 'build_synthetic_h36m',
    'generate_synthetic_h36m'
]

#: Default frames per sequence: all 7 subjects x 6 actions x 2 trials
#: (84 sequences, 100,800 frames, 24 s each at 50 fps) in a few seconds.
DEFAULT_NUM_FRAMES = 1200
#: Frames per sequence of the Human3.6M-sized preset: 84 x 6,500 = 546,000
#: frames per camera (real Human3.6M: ~2.1M frame-camera pairs in total,
#: 1.56M of them in the training subjects; here 2.18M and 1.56M).
H36M_SIZE_NUM_FRAMES = 6500
#: Subjects with a calibration in the Human3.6M camera table.
SUBJECTS = ('S1', 'S5', 'S6', 'S7', 'S8', 'S9', 'S11')
#: Name of the detector-like 2D source (``data_2d_h36m_<source>.npz``).
DET_SOURCE = 'synthetic_det'
FILE_3D = 'data_3d_h36m.npz'
FILE_2D_GT = 'data_2d_h36m_gt.npz'
FILE_2D_DET = f'data_2d_h36m_{DET_SOURCE}.npz'

#: ``metadata`` entry of the 2D files (plain Python types only).
METADATA = dict(
    layout_name='h36m',
    num_joints=17,
    keypoints_symmetry=[list(H36M_SKELETON.left),
                        list(H36M_SKELETON.right)])

#: Per-joint multiplier of the detector jitter (Human3.6M-17 order): wrists
#: and ankles are the least precise, the head and thorax the most.
JOINT_NOISE_SCALE = np.array([
    1.0,  # pelvis
    1.1, 1.0, 1.2,  # R hip, knee, ankle
    1.1, 1.0, 1.2,  # L hip, knee, ankle
    0.9, 0.8, 0.7, 0.9,  # spine, thorax, nose, head
    0.8, 1.0, 1.3,  # L shoulder, elbow, wrist
    0.8, 1.0, 1.3,  # R shoulder, elbow, wrist
])

# Random stream ids (combined with seed, subject, action and trial).
_MOTION_STREAM = 1
_DET_STREAM = 2
_LENGTH_STREAM = 3

# Limbs that a detector may swap left <-> right: (left joints, right joints).
_SWAP_LIMBS = (((4, 5, 6), (1, 2, 3)), ((11, 12, 13), (14, 15, 16)))


def sequence_names(action: str, trials: int) -> List[str]:
    """Human3.6M-style sequence names: 'Walking', 'Walking 1', ..."""
    return [action if k == 0 else f'{action} {k}' for k in range(trials)]


def sequence_rng(seed: int, subject: str, action: str, trial: int,
                 stream: int) -> np.random.Generator:
    """Independent generator for one (subject, action, trial) and stream."""
    return np.random.default_rng([
        int(seed), subject_number(subject), action_index(action), int(trial),
        int(stream)
    ])


def project_sequence(positions: np.ndarray,
                     cameras: Sequence[Camera]) -> List[np.ndarray]:
    """Project world joints into each camera.

    Args:
        positions: (N, J, 3) world metres.
        cameras: the subject's cameras.

    Returns:
        list (one per camera) of float32 (N, J, 2) pixels (with distortion),
        computed in float64.
    """
    pts = np.asarray(positions, dtype=np.float64)
    return [
        project_to_pixels(world_to_camera(pts, cam), cam,
                          distort=True).astype(np.float32) for cam in cameras
    ]


def _correlated_noise(rng: np.random.Generator, shape, corr_frames: float,
                      white_fraction: float) -> np.ndarray:
    """Unit-variance Gaussian noise (T, ...) correlated along axis 0.

    ``sqrt(1 - b) * (white noise filtered by a Gaussian of std corr_frames,
    normalised to unit variance) + sqrt(b) * white noise`` with
    ``b = white_fraction``: lag-k autocorrelation
    ``(1 - b) * exp(-k^2 / (4 corr_frames^2))`` for k >= 1.
    """
    T = shape[0]
    out = np.sqrt(white_fraction) * rng.standard_normal(shape)
    if corr_frames > 0 and white_fraction < 1:
        r = int(np.ceil(3 * corr_frames))
        k = np.exp(-0.5 * (np.arange(-r, r + 1) / corr_frames)**2)
        k /= np.sqrt((k**2).sum())
        white = rng.standard_normal((T + 2 * r, ) + tuple(shape[1:]))
        smooth = np.zeros(shape)
        for i, w in enumerate(k):
            smooth += w * white[i:i + T]
        out += np.sqrt(1.0 - white_fraction) * smooth
    return out


def detector_noise(gt_px: np.ndarray,
                   rng: np.random.Generator,
                   noise_px: float = 3.0,
                   corr_frames: float = 2.0,
                   white_fraction: float = 0.3,
                   outlier_rate: float = 0.01,
                   outlier_px=(20.0, 60.0),
                   swap_rate: float = 0.002,
                   swap_frames=(2, 8)) -> np.ndarray:
    """Detector-like 2D keypoints from exact ones (one camera view).

    ``det = gt + jitter``, then limb swaps, then outliers:

    - jitter: per joint j and coordinate, zero-mean Gaussian of std
      ``noise_px * JOINT_NOISE_SCALE[j]``, temporally correlated: lag-k
      autocorrelation ``(1 - white_fraction) * exp(-k^2 / (4 corr_frames^2))``
      (k >= 1).
    - swaps: events at ``swap_rate`` per frame, each exchanging the left and
      right leg or arm for ``swap_frames`` (inclusive range) frames.
    - outliers: each (frame, joint) independently with probability
      ``outlier_rate`` is displaced by ``U(*outlier_px)`` pixels in a
      uniformly random direction.

    Args:
        gt_px: (T, 17, 2) pixels.
        rng: numpy Generator (all draws come from it).

    Returns:
        (T, 17, 2) float32 pixels.
    """
    gt = np.asarray(gt_px, dtype=np.float64)
    if gt.ndim != 3 or gt.shape[1:] != (17, 2):
        raise ValueError(f'gt_px must be (T, 17, 2) pixels, got {gt.shape}.')
    T = len(gt)
    sigma = noise_px * JOINT_NOISE_SCALE[None, :, None]
    det = gt + sigma * _correlated_noise(rng, gt.shape, corr_frames,
                                         white_fraction)
    n_swaps = rng.poisson(swap_rate * T)
    for _ in range(n_swaps):
        left, right = _SWAP_LIMBS[rng.integers(len(_SWAP_LIMBS))]
        length = int(rng.integers(swap_frames[0], swap_frames[1] + 1))
        start = int(rng.integers(0, max(T - length, 0) + 1))
        sl = slice(start, start + length)
        det[sl, left + right] = det[sl, right + left]
    hit = rng.random((T, 17)) < outlier_rate
    k = int(hit.sum())
    mag = rng.uniform(outlier_px[0], outlier_px[1], k)
    ang = rng.uniform(0.0, 2 * np.pi, k)
    det[hit] += np.stack([mag * np.cos(ang), mag * np.sin(ang)], axis=1)
    return det.astype(np.float32)


def _check_selection(subjects, actions, trials, num_frames):
    cams = h36m_cameras()
    for s in subjects:
        if s not in cams:
            raise ValueError(f'subject {s!r} has no Human3.6M calibration; '
                             f'choose from {list(SUBJECTS)}.')
    for a in actions:
        action_index(a)
    if len(set(subjects)) != len(subjects) or len(set(actions)) != len(
            actions):
        raise ValueError(f'subjects and actions must not repeat; got '
                         f'{list(subjects)} and {list(actions)}.')
    if not subjects or not actions:
        raise ValueError('select at least one subject and one action.')
    if int(trials) != trials or trials < 1:
        raise ValueError(f'trials must be a positive integer, got {trials!r}.')
    if int(num_frames) != num_frames or num_frames < 2:
        raise ValueError(f'num_frames must be an integer >= 2, got '
                         f'{num_frames!r}.')


def build_synthetic_h36m(seed: int = 0,
                         num_frames: int = DEFAULT_NUM_FRAMES,
                         subjects: Sequence[str] = SUBJECTS,
                         actions: Sequence[str] = ACTIONS,
                         trials: int = 2,
                         noise_px: float = 3.0,
                         outlier_rate: float = 0.01,
                         swap_rate: float = 0.002,
                         corr_frames: float = 2.0,
                         extra_frames_prob: float = 0.5,
                         max_extra_frames: int = 4) -> Dict[str, dict]:
    """Build the synthetic set in memory (same content as the files).

    Args:
        seed: master seed; same seed -> identical arrays.
        num_frames: frames per sequence (3D and gt 2D length), 50 fps.
        subjects: subset of :data:`SUBJECTS`.
        actions: subset of :data:`ACTIONS` (categories).
        trials: sequences per action and subject.
        noise_px, outlier_rate, swap_rate, corr_frames: detector noise, see
            :func:`detector_noise`.
        extra_frames_prob: probability that a sequence's detector 2D is
            longer than its 3D; then each camera gets 1..max_extra_frames
            extra frames (the motion continues).
        max_extra_frames: see above (0 disables).

    Returns:
        dict with ``positions_3d`` (subject -> sequence -> float32 (N, 32, 3)
        world m), ``positions_2d_gt`` and ``positions_2d_det`` (subject ->
        sequence -> list of 4 float32 (N', 17, 2) pixels), ``labels``
        (subject -> sequence -> int16 (N,) per-frame action ids into
        :data:`ACTIONS`) and ``metadata``.
    """
    subjects, actions = list(subjects), list(actions)
    _check_selection(subjects, actions, trials, num_frames)
    num_frames = int(num_frames)
    cams = h36m_cameras()
    keep = list(H36M_32_TO_17)
    pos3d, gt2d, det2d, labels = {}, {}, {}, {}
    for subject in subjects:
        body = subject_body(subject, seed)
        pos3d[subject], gt2d[subject], det2d[subject] = {}, {}, {}
        labels[subject] = {}
        for action in actions:
            for trial, name in enumerate(sequence_names(action, trials)):
                lrng = sequence_rng(seed, subject, action, trial,
                                    _LENGTH_STREAM)
                extra = np.zeros(4, dtype=int)
                if max_extra_frames > 0 and lrng.random() < extra_frames_prob:
                    extra = lrng.integers(1, max_extra_frames + 1, 4)
                total = num_frames + int(extra.max())
                motion = synthesize_motion_32(
                    action, total, body,
                    sequence_rng(seed, subject, action, trial,
                                 _MOTION_STREAM)).astype(np.float32)
                pos3d[subject][name] = np.ascontiguousarray(
                    motion[:num_frames])
                # one action per sequence: every frame carries it
                labels[subject][name] = np.full(num_frames,
                                                action_index(action),
                                                np.int16)
                views = project_sequence(motion[:, keep], cams[subject])
                gt2d[subject][name] = [
                    np.ascontiguousarray(v[:num_frames]) for v in views
                ]
                drng = sequence_rng(seed, subject, action, trial, _DET_STREAM)
                det2d[subject][name] = [
                    detector_noise(v[:num_frames + e], drng, noise_px,
                                   corr_frames, outlier_rate=outlier_rate,
                                   swap_rate=swap_rate)
                    for v, e in zip(views, extra)
                ]
    return dict(positions_3d=pos3d, positions_2d_gt=gt2d,
                positions_2d_det=det2d, labels=labels,
                metadata=dict(METADATA))


def _save_npz(path: str, compress: bool, **entries) -> None:
    """Write an .npz atomically (temporary file, then rename)."""
    save = np.savez_compressed if compress else np.savez
    atomic_write(path, lambda f: save(f, **entries))


def generate_synthetic_h36m(out_dir: str,
                            *,
                            compress: bool = False,
                            verbose: bool = False,
                            **build_args) -> Dict[str, str]:
    """Generate the synthetic Human3.6M files in VideoPose3D's format.

    Args:
        out_dir: folder to write to (created if needed).
        compress: ``np.savez_compressed`` (like VideoPose3D) or plain
            ``np.savez`` (faster for very large sets).
        verbose: print progress.
        **build_args: what to synthesise, the keyword arguments of
            :func:`build_synthetic_h36m` (``seed``, ``num_frames``,
            ``subjects``, ``actions``, ``trials``, detector noise, extra
            frames), with its defaults.

    Returns:
        dict ``{'3d': path, '2d_gt': path, '2d_det': path}``. The 2D files
        are written first and the 3D file last, each atomically, so an
        existing ``data_3d_h36m.npz`` means a complete set.
    """
    t0 = time.time()
    data = build_synthetic_h36m(**build_args)
    if verbose:
        print(f'synthesised in {time.time() - t0:.1f} s; writing to '
              f'{out_dir}', flush=True)
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        '2d_gt': osp.join(out_dir, FILE_2D_GT),
        '2d_det': osp.join(out_dir, FILE_2D_DET),
        '3d': osp.join(out_dir, FILE_3D),
    }
    _save_npz(paths['2d_gt'], compress,
              positions_2d=data.pop('positions_2d_gt'),
              metadata=data['metadata'])
    _save_npz(paths['2d_det'], compress,
              positions_2d=data.pop('positions_2d_det'),
              metadata=data['metadata'])
    _save_npz(paths['3d'], compress, positions_3d=data.pop('positions_3d'),
              labels=data.pop('labels'), label_names=np.array(ACTIONS))
    if verbose:
        print(f'done in {time.time() - t0:.1f} s', flush=True)
    return {k: paths[k] for k in ('3d', '2d_gt', '2d_det')}

