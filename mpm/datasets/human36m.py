"""Human3.6M windows for 2D-to-3D lifting, read from VideoPose3D's files.

Inputs, in VideoPose3D's layout, read unchanged:

- ``data_3d_h36m.npz``, key ``positions_3d``: subject -> sequence ->
  (N, 32, 3) world metres (an already reduced (N, 17, 3) is accepted too).
- ``data_2d_h36m_<source>.npz``, key ``positions_2d``: subject -> sequence ->
  list of 4 arrays (N', 17, 2) pixels, one per camera (N' >= N; extra frames
  are dropped).

Each video (subject, sequence, camera) is converted once to float32:
2D normalised screen coordinates ``x / w * 2 - [1, h / w]`` and 3D camera-frame
metres with the pelvis (joint 0) at the origin. Windows are sliced lazily.
"""
import operator
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mpm.registry import DATASETS
from mpm.utils.skeleton import (H36M_32_TO_17, H36M_ACTIONS, H36M_SKELETON,
                                H36M_TRAIN_SUBJECTS, action_name)
from .base import PoseWindowDataset
from .camera import camera_params_of, h36m_cameras, world_to_camera
from .frame_action_labels import names_of_label_ids, window_action
from .io import NpzKeyError, load_npz_dict
from .windows import WindowIndex, contiguous_subset

__all__ = ['Human36mDataset', 'H36M_3D_HINT', 'H36M_2D_HINT']

_SYNTHETIC = ('For the synthetic demo data run `python '
              'tools/dataset_converters/make_synthetic_h36m.py --out-dir '
              '{root}`.')
#: How to obtain the 3D file; formatted with ``root=data_root``.
H36M_3D_HINT = (
    'For the real Human3.6M, create it from the original dataset with '
    "VideoPose3D's data preparation script `prepare_data_h36m.py` "
    '(data_3d_h36m.npz) and put it in data_root. ' + _SYNTHETIC)
#: How to obtain the 2D file; formatted with ``root=data_root``.
H36M_2D_HINT = (
    'For the real Human3.6M, download the 2D detections '
    '(e.g. data_2d_h36m_cpn_ft_h36m_dbb.npz) as described by VideoPose3D, or '
    'make ground-truth 2D (data_2d_h36m_gt.npz) with its '
    '`prepare_data_h36m.py`, and put it in data_root. ' + _SYNTHETIC)

NUM_CAMERAS = 4


def _first_bad_frame(arr: np.ndarray) -> int:
    """Index of the first frame of (N, ...) with a NaN/inf, or -1."""
    bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else -1


def _is_category(name: str) -> bool:
    """A name without a take suffix (' 1', '_1') is an action category."""
    return ' ' not in name and '_' not in name


@DATASETS.register_module()
class Human36mDataset(PoseWindowDataset):
    """Human3.6M 2D/3D keypoint windows, one per frame per camera.

    Args:
        data_root: folder holding the two files.
        file_3d: 3D file name (or absolute path), key ``positions_3d``.
        file_2d: 2D file name (or absolute path), key ``positions_2d``.
        subjects: subjects to load, e.g. ``('S9', 'S11')`` for testing.
        seq_len: frames per window ``T``.
        dilation: step between window frames (in downsampled frames).
        actions: optional list of action categories (``'Walking'``, selects
            every take of it) or full sequence names (``'Walking 1'``).
            ``None`` = all.
        cameras: camera indices (0-3, file order) to use; ``None`` = all 4.
        downsample: keep every ``downsample``-th frame of each video.
        subset: fraction in (0, 1] of window centres to keep: per sequence a
            contiguous chunk of ``ceil(subset * N)`` centres (the same chunk
            for each camera) at an offset drawn from
            ``np.random.default_rng(subset_seed)``. Windows still read frames
            outside the chunk.
        subset_seed: seed of that draw.
        return_root: also return ``root_3d`` and ``camera_params`` (what the
            pose refiner's paper protocol needs; see below).
        action_labels: ``'auto'``: when the 3D file has per-frame
            ``labels`` (subject -> sequence -> (N,) ids into
            ``label_names``; the synthetic Human3.6M writes them),
            ``meta['action']`` is the label of the window's centre frame;
            otherwise, and with None, the sequence's category.
        pipeline: transforms (configs built from mpm's TRANSFORMS, or
            callables) applied to each sample dict.

    A sample (empty pipeline) is a dict:

    - ``keypoints_2d``: (T, 17, 2) float32, normalised screen coordinates.
    - ``keypoints_3d``: (T, 17, 3) float32, metres, camera frame,
      root-relative (joint 0 is zero).
    - ``target_index``: int, the centre frame's position ``T // 2``.
    - ``meta``: dict(subject, action (category, e.g. 'Walking', or the
      centre frame's label, see ``action_labels``), sequence
      (e.g. 'Walking 1'), camera (index 0-3), camera_id, frame (centre
      frame in the downsampled sequence)).
    - with ``return_root=True`` also ``root_3d``: (T, 3) float32, camera-frame
      metres of the root joint (pelvis) in every window frame, and
      ``camera_params``: the camera's intrinsics as float32 arrays
      (:func:`~mpm.datasets.camera.camera_params_of`).

    ``len(dataset)`` = number of centres x number of cameras (all frames x
    cameras when ``subset == 1``). Order: subject, sequence (sorted),
    camera, frame.
    """

    def __init__(self,
                 data_root: str,
                 file_3d: str = 'data_3d_h36m.npz',
                 file_2d: str = 'data_2d_h36m_cpn_ft_h36m_dbb.npz',
                 subjects: Sequence[str] = H36M_TRAIN_SUBJECTS,
                 seq_len: int = 243,
                 dilation: int = 1,
                 actions: Optional[Sequence[str]] = None,
                 cameras: Optional[Sequence[int]] = None,
                 downsample: int = 1,
                 subset: float = 1.0,
                 subset_seed: int = 0,
                 return_root: bool = False,
                 action_labels: Optional[str] = 'auto',
                 pipeline: Sequence[Union[dict, Any]] = ()):
        self.data_root = data_root
        self.path_3d = osp.join(data_root, file_3d)
        self.path_2d = osp.join(data_root, file_2d)
        self.subjects = self._check_subjects(subjects)
        self.cameras = self._check_cameras(cameras)
        if int(downsample) != downsample or downsample < 1:
            raise ValueError(f'downsample must be an integer >= 1, got '
                             f'{downsample!r}.')
        self.downsample = int(downsample)
        if not 0 < subset <= 1:
            raise ValueError(f'subset must be in (0, 1], got {subset!r}.')
        if int(seq_len) < 1 or int(dilation) < 1:
            raise ValueError(f'seq_len and dilation must be >= 1, got '
                             f'{seq_len} and {dilation}.')

        positions_3d = self._load(self.path_3d, 'positions_3d',
                                  'Human3.6M 3D poses', H36M_3D_HINT)
        all_cameras = h36m_cameras()
        for subject in self.subjects:
            if subject not in positions_3d:
                raise ValueError(
                    f"subject '{subject}' not found in {self.path_3d}; "
                    f'available subjects: {sorted(positions_3d)}.')
            if subject not in all_cameras:
                raise ValueError(
                    f"subject '{subject}' has no calibration in the "
                    f'Human3.6M camera table; calibrated subjects: '
                    f'{sorted(all_cameras)}.')
        sequences = self._select_sequences(positions_3d, actions)
        raw_lengths = [self._check_3d(positions_3d[s][a], s, a)
                       for s, a in sequences]
        if action_labels not in ('auto', None):
            raise ValueError(f"action_labels must be 'auto' or None, got "
                             f'{action_labels!r}.')
        frame_labels = (self._frame_labels(sequences, raw_lengths)
                        if action_labels == 'auto' else {})
        seq_lengths = [-(-n // self.downsample) for n in raw_lengths]

        # 3D first, into one preallocated float32 block; the raw 3D file is
        # released before the 2D file is read, to keep the peak memory low.
        num_joints = H36M_SKELETON.num_joints
        self._kp3d = np.empty(
            (sum(seq_lengths) * len(self.cameras), num_joints, 3), np.float32)
        self.return_root = bool(return_root)
        self._root = (np.empty((len(self._kp3d), 3), np.float32)
                      if self.return_root else None)
        self._camera_params: List[Dict[str, np.ndarray]] = []
        self.video_info: List[Dict[str, Any]] = []
        #: per video: (N,) str per-frame action labels (raw frames) or None
        self._video_labels: List[Optional[np.ndarray]] = []
        start = 0
        for (subject, seq), n in zip(sequences, seq_lengths):
            world = self._joints_17(positions_3d[subject][seq])
            world = world[::self.downsample].astype(np.float64)
            for cam_idx in self.cameras:
                cam = all_cameras[subject][cam_idx]
                pose = world_to_camera(world, cam)
                self._kp3d[start:start + n] = pose - pose[:, :1]
                if self.return_root:
                    self._root[start:start + n] = pose[:, 0]
                    self._camera_params.append(camera_params_of(cam))
                self.video_info.append(dict(
                    subject=subject, action=action_name(seq), sequence=seq,
                    camera=cam_idx, camera_id=cam.id, start=start,
                    num_frames=n))
                self._video_labels.append(frame_labels.get((subject, seq)))
                start += n
        del positions_3d
        self._starts = np.array([v['start'] for v in self.video_info],
                                np.int64)

        # 2D: one float32 array per video, normalised in place when the
        # loaded array allows it (no second copy of the 2D file).
        positions_2d = self._load(self.path_2d, 'positions_2d',
                                  'Human3.6M 2D keypoints', H36M_2D_HINT)
        shared = self._shared_arrays(positions_2d, sequences)
        self._kp2d: List[np.ndarray] = []
        for (subject, seq), n_raw in zip(sequences, raw_lengths):
            views = self._check_2d(positions_2d, subject, seq, n_raw)
            positions_2d[subject][seq] = None
            for cam_idx in self.cameras:
                cam = all_cameras[subject][cam_idx]
                self._kp2d.append(self._normalise_2d(
                    views[cam_idx], n_raw, cam, shared))
            del views
        del positions_2d, shared

        centres = None
        if subset < 1:
            per_seq = contiguous_subset(seq_lengths, subset, subset_seed)
            centres = [c for c in per_seq for _ in self.cameras]
        self.window_index = WindowIndex(
            [v['num_frames'] for v in self.video_info], seq_len, dilation,
            centres)
        self.seq_len = int(seq_len)
        self.dilation = int(dilation)
        self.metainfo = self._metainfo(sequences)
        self.pipeline = self._build_pipeline(pipeline)

    # ------------------------------------------------------------------ init
    @staticmethod
    def _check_subjects(subjects) -> Tuple[str, ...]:
        if isinstance(subjects, str):
            subjects = (subjects, )
        subjects = tuple(subjects)
        if not subjects:
            raise ValueError('subjects is empty: give at least one subject, '
                             "e.g. subjects=('S1', 'S5', 'S6', 'S7', 'S8').")
        return subjects

    @staticmethod
    def _check_cameras(cameras) -> Tuple[int, ...]:
        if cameras is None:
            return tuple(range(NUM_CAMERAS))
        if isinstance(cameras, int):
            cameras = (cameras, )
        cameras = tuple(cameras)
        if (not cameras or len(set(cameras)) != len(cameras)
                or any(not isinstance(c, (int, np.integer)) or
                       not 0 <= c < NUM_CAMERAS for c in cameras)):
            raise ValueError(f'cameras must be distinct indices in 0..3 (file '
                             f'order), got {cameras!r}.')
        return tuple(int(c) for c in cameras)

    def _load(self, path: str, key: str, what: str, hint: str) -> dict:
        data = load_npz_dict(path, key, what, hint.format(root=self.data_root))
        if not isinstance(data, dict):
            raise ValueError(
                f'{what} file {path}: key {key!r} holds '
                f'{type(data).__name__}, expected a dict subject -> dict '
                'sequence -> arrays (VideoPose3D layout).')
        return data

    def _frame_labels(self, sequences, lengths) -> Dict[tuple, np.ndarray]:
        """(subject, sequence) -> (N,) str per-frame labels of the 3D
        file's ``labels`` (empty when it has none)."""
        try:
            ids = load_npz_dict(self.path_3d, 'labels')
            names = [str(x) for x in load_npz_dict(self.path_3d,
                                                   'label_names')]
        except NpzKeyError:
            return {}
        return {(subject, seq): names_of_label_ids(
            ids[subject][seq], names, n,
            f'{self.path_3d}, labels[{subject!r}][{seq!r}]')
            for (subject, seq), n in zip(sequences, lengths)
            if seq in ids.get(subject, {})}

    def _select_sequences(self, positions_3d: dict,
                          actions) -> List[Tuple[str, str]]:
        """(subject, sequence) pairs to load, subjects in the given order,
        sequences sorted by name."""
        available = {s: sorted(positions_3d[s]) for s in self.subjects}
        if actions is None:
            return [(s, a) for s in self.subjects for a in available[s]]
        if isinstance(actions, str):
            actions = (actions, )
        actions = tuple(actions)

        def matches(request: str, seq: str) -> bool:
            if _is_category(request):
                return action_name(seq) == action_name(request)
            return seq == request

        for request in actions:
            if not any(matches(request, seq) for s in self.subjects
                       for seq in available[s]):
                all_seqs = sorted({q for s in self.subjects
                                   for q in available[s]})
                cats = sorted({action_name(q) for q in all_seqs})
                raise ValueError(
                    f"action '{request}' not found for subjects "
                    f'{list(self.subjects)} in {self.path_3d}; available '
                    f'categories: {cats}; sequences: {all_seqs}.')
        return [(s, seq) for s in self.subjects for seq in available[s]
                if any(matches(r, seq) for r in actions)]

    def _check_3d(self, pose, subject: str, seq: str) -> int:
        """Validate one sequence's 3D array; return its number of frames."""
        where = f"subject '{subject}', action '{seq}'"
        if (not isinstance(pose, np.ndarray) or pose.ndim != 3
                or pose.shape[1] not in (32, 17) or pose.shape[2] != 3
                or pose.shape[0] < 1):
            shape = getattr(pose, 'shape', type(pose).__name__)
            raise ValueError(
                f"{self.path_3d}, key 'positions_3d', {where}: found shape "
                f'{shape}, expected (N, 32, 3) world metres (raw Human3.6M '
                'joints) or (N, 17, 3), N >= 1.')
        bad = _first_bad_frame(self._joints_17(pose))
        if bad >= 0:
            raise ValueError(f'{self.path_3d}: NaN/inf 3D keypoints for '
                             f'{where} at frame {bad}.')
        return pose.shape[0]

    def _check_2d(self, positions_2d: dict, subject: str, seq: str,
                  n: int) -> Sequence[np.ndarray]:
        """Validate one sequence's 2D entry against its ``n`` 3D frames;
        return the list of 4 per-camera arrays."""
        where = f"subject '{subject}', action '{seq}'"
        if subject not in positions_2d or seq not in positions_2d[subject]:
            have = sorted(positions_2d.get(subject, {}))
            raise ValueError(
                f"{self.path_2d}, key 'positions_2d': no 2D entry for "
                f'{where}, which the 3D file {self.path_3d} has. 2D entries '
                f"for '{subject}': {have}. Use a 2D file made for the same "
                '3D file.')
        views = positions_2d[subject][seq]
        if not hasattr(views, '__len__') or len(views) != NUM_CAMERAS:
            count = len(views) if hasattr(views, '__len__') else views
            raise ValueError(
                f"{self.path_2d}, key 'positions_2d', {where}: expected a "
                f'list of {NUM_CAMERAS} arrays (one per camera), got '
                f'{count!r}.')
        for cam_idx in self.cameras:
            kp = np.asarray(views[cam_idx])
            cam_where = f'{where}, camera {cam_idx}'
            if kp.ndim != 3 or kp.shape[1:] != (17, 2):
                raise ValueError(
                    f"{self.path_2d}, key 'positions_2d', {cam_where}: "
                    f'found shape {kp.shape}, expected (N, 17, 2) pixels.')
            if len(kp) < n:
                raise ValueError(
                    f'{self.path_2d}: the 2D keypoints of {cam_where} have '
                    f'{len(kp)} frames, fewer than the {n} frames of the 3D '
                    f'poses in {self.path_3d}. The 2D file does not match '
                    'the 3D file.')
            bad = _first_bad_frame(kp[:n])
            if bad >= 0:
                raise ValueError(f'{self.path_2d}: NaN/inf 2D keypoints for '
                                 f'{cam_where} at frame {bad}.')
        return views

    def _shared_arrays(self, positions_2d: dict, sequences) -> set:
        """ids of the 2D arrays that the loaded file uses more than once
        among the selected videos (pickle keeps shared objects shared)."""
        seen, shared = set(), set()
        for subject, seq in sequences:
            views = positions_2d.get(subject, {}).get(seq)
            if not isinstance(views, (list, tuple, np.ndarray)):
                continue
            for cam_idx in self.cameras:
                if cam_idx < len(views):
                    key = id(views[cam_idx])
                    (shared if key in seen else seen).add(key)
        return shared

    def _normalise_2d(self, pixels, n_raw: int, cam,
                      shared: set) -> np.ndarray:
        """(N', 17, 2) pixels -> (N, 17, 2) float32 normalised screen
        coordinates, truncated to the 3D length and downsampled.

        Same arithmetic as :func:`~mpm.datasets.camera.normalize_screen`
        (``x / w * 2 - [1, h / w]`` in float32), done in place on the loaded
        float32 array when it owns its data and is used by no other video
        (not in ``shared``), so the 2D file is never held twice; otherwise
        on a float32 copy.
        """
        raw = np.asarray(pixels)
        out = raw[:n_raw:self.downsample]
        in_place = (raw.dtype == np.float32 and raw.flags.writeable
                    and raw.flags.owndata and raw.flags.c_contiguous
                    and self.downsample == 1 and id(raw) not in shared)
        if not in_place:
            out = np.array(out, dtype=np.float32, order='C')
        out /= np.float32(cam.res_w)
        out *= np.float32(2)
        out -= np.array([1, cam.res_h / cam.res_w], np.float32)
        return out

    @staticmethod
    def _joints_17(pose: np.ndarray) -> np.ndarray:
        """(N, 32, 3) -> (N, 17, 3) Human3.6M-17 joints; (N, 17, 3) as is."""
        return pose[:, list(H36M_32_TO_17)] if pose.shape[1] == 32 else pose

    def _metainfo(self, sequences) -> Dict[str, Any]:
        present = {action_name(seq) for _, seq in sequences}
        return dict(
            dataset_name='h36m',
            **H36M_SKELETON.metainfo(),
            fps=50 / self.downsample,
            seq_len=self.seq_len,
            dilation=self.dilation,
            subjects=list(self.subjects),
            actions=[a for a in H36M_ACTIONS if a in present] +
            sorted(present - set(H36M_ACTIONS)),
            cameras=list(self.cameras),
        )


    # ---------------------------------------------------------------- access
    @property
    def num_videos(self) -> int:
        """Number of (subject, sequence, camera) videos."""
        return len(self.video_info)

    def get_video(self, video: int) -> Tuple[np.ndarray, np.ndarray]:
        """Whole video ``video``: read-only views (N, 17, 2) normalised 2D and
        (N, 17, 3) root-relative camera-frame metres."""
        info = self.video_info[video]
        sl = slice(info['start'], info['start'] + info['num_frames'])
        kp2d, kp3d = self._kp2d[video].view(), self._kp3d[sl]
        kp2d.flags.writeable = False
        kp3d.flags.writeable = False
        return kp2d, kp3d

    def __getitem__(self, index) -> Dict[str, Any]:
        index = operator.index(index)
        video, centre, frames = self.window_index.window(index)
        info = self.video_info[video]
        sample = dict(
            keypoints_2d=self._kp2d[video][frames],
            keypoints_3d=self._kp3d[self._starts[video] + frames],
            target_index=self.window_index.target_index,
            meta=dict(subject=info['subject'],
                      action=window_action(self._video_labels[video],
                                           centre * self.downsample,
                                           info['action']),
                      sequence=info['sequence'], camera=info['camera'],
                      camera_id=info['camera_id'], frame=centre))
        if self.return_root:
            sample['root_3d'] = self._root[self._starts[video] + frames]
            sample['camera_params'] = self._camera_params[video]
        if self.pipeline is not None:
            sample = self.pipeline(sample)
        return sample

    def mean_pose_3d(self) -> np.ndarray:
        """(17, 3) float32 metres: mean root-relative camera-frame pose over
        every frame of every video (all cameras), ignoring ``subset``."""
        if len(self._kp3d) == 0:
            raise ValueError('the dataset holds no frames.')
        return self._kp3d.mean(axis=0, dtype=np.float64).astype(np.float32)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(subjects={list(self.subjects)}, '
                f'videos={self.num_videos}, windows={len(self)}, '
                f'seq_len={self.seq_len}, dilation={self.dilation}, '
                f'downsample={self.downsample})')
