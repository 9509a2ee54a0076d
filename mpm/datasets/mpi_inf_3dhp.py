"""MPI-INF-3DHP windows for 2D-to-3D lifting, read from P-STMO's files.

Inputs, in P-STMO's layout, read unchanged (``tools/dataset_converters/
prepare_3dhp.py`` writes them from the official release):

- ``data_train_3dhp.npz``, key ``data``: dict ``'S{s} Seq{q}'`` -> list
  ``[cameras, fps]`` with ``cameras`` a dict camera id (``'0'``, ``'1'``,
  ``'2'``, ``'4'`` ... ``'8'``) -> ``{'data_2d': (N, 17, 2) pixels,
  'data_3d': (N, 17, 3) camera-frame millimetres}``. Frames are 2048 x 2048.
- ``data_test_3dhp.npz``, key ``data``: dict ``'TS1'`` ... ``'TS6'`` ->
  ``{'data_2d': (N, 17, 2) pixels, 'data_3d': (N, 17, 3) millimetres
  (univ_annot3), 'valid': (N,) 0/1}``. TS1-TS4 are 2048 x 2048, TS5-TS6
  1920 x 1080.

Joints are in the MPI-INF-3DHP 17-joint order
(:data:`~mpm.utils.skeleton.MPI_INF_3DHP_SKELETON`, pelvis = 14). Each video
(sequence, camera) is converted once to float32: 2D normalised screen
coordinates with its own resolution (:func:`~mpm.utils.camera.
normalize_screen`), 3D metres with the pelvis at the origin; optionally
reordered to the Human3.6M-17 order. Windows are sliced lazily.
"""
import operator
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mpm.registry import DATASETS
from mpm.utils.camera import normalize_screen
from mpm.utils.natural_sort import natural_sort_key
from mpm.utils.skeleton import (H36M_SKELETON, MPI_INF_3DHP_SKELETON,
                                MPI_INF_3DHP_TO_H36M, pck_joint_indices)
from .base import PoseWindowDataset
from .io import load_npz_dict
from .windows import WindowIndex, contiguous_subset

__all__ = [
    'MpiInf3dhpDataset', 'MPI_INF_3DHP_28_JOINT_NAMES',
    'MPI_INF_3DHP_17_JOINT_NAMES', 'MPI_INF_3DHP_28_TO_17',
    'MPI_INF_3DHP_TRAIN_CAMERAS', 'MPI_INF_3DHP_TEST_SEQUENCES',
    'MPI_INF_3DHP_HINT', 'sequence_resolution', 'reorder_3dhp_to_h36m',
    'pck_joint_indices', 'sequence_sort_key'
]

#: The 28 joints of the official annotations (``annot2`` / ``annot3`` of the
#: training ``annot.mat``), in file order (the official
#: ``mpii_get_joint_set.m``, joint set ``'all'``).
MPI_INF_3DHP_28_JOINT_NAMES = (
    'spine3', 'spine4', 'spine2', 'spine', 'pelvis', 'neck', 'head',
    'head_top', 'left_clavicle', 'left_shoulder', 'left_elbow', 'left_wrist',
    'left_hand', 'right_clavicle', 'right_shoulder', 'right_elbow',
    'right_wrist', 'right_hand', 'left_hip', 'left_knee', 'left_ankle',
    'left_foot', 'left_toe', 'right_hip', 'right_knee', 'right_ankle',
    'right_foot', 'right_toe')

#: The 17 evaluation joints (the official joint set ``'relevant'``, the order
#: of the test set's 17-joint annotation and of P-STMO's files), named as in
#: :data:`MPI_INF_3DHP_28_JOINT_NAMES`.
MPI_INF_3DHP_17_JOINT_NAMES = (
    'head_top', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
    'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip', 'right_knee',
    'right_ankle', 'left_hip', 'left_knee', 'left_ankle', 'pelvis', 'spine',
    'head')

#: Index into the 28 joints of each of the 17 joints, derived from the names:
#: head_top 7, neck 5, R shoulder 14, R elbow 15, R wrist 16, L shoulder 9,
#: L elbow 10, L wrist 11, R hip 23, R knee 24, R ankle 25, L hip 18,
#: L knee 19, L ankle 20, pelvis 4, spine 3, head 6.
MPI_INF_3DHP_28_TO_17 = tuple(
    MPI_INF_3DHP_28_JOINT_NAMES.index(name)
    for name in MPI_INF_3DHP_17_JOINT_NAMES)

#: The 8 training cameras (chest-height and similar views; P-STMO, VNect).
MPI_INF_3DHP_TRAIN_CAMERAS = (0, 1, 2, 4, 5, 6, 7, 8)
#: The six test sequences.
MPI_INF_3DHP_TEST_SEQUENCES = ('TS1', 'TS2', 'TS3', 'TS4', 'TS5', 'TS6')

_TRAIN_RESOLUTION = (2048, 2048)
_TEST_RESOLUTIONS = {
    'TS1': (2048, 2048), 'TS2': (2048, 2048), 'TS3': (2048, 2048),
    'TS4': (2048, 2048), 'TS5': (1920, 1080), 'TS6': (1920, 1080)
}
_TRAIN_NAME = re.compile(r'^S(\d+) Seq(\d+)$')

#: How to obtain the files; formatted with ``root=data_root``.
MPI_INF_3DHP_HINT = (
    'Create data_train_3dhp.npz and data_test_3dhp.npz from the official '
    'MPI-INF-3DHP release with `python tools/dataset_converters/'
    'prepare_3dhp.py --data-root <official mpi_inf_3dhp folder> --out-dir '
    '{root}` (or use the files P-STMO distributes, unchanged) and put them '
    'in data_root.')

_DEFAULT_FILES = {'train': 'data_train_3dhp.npz',
                  'test': 'data_test_3dhp.npz'}
_JOINT_ORDERS = ('3dhp', 'h36m')
#: Sort key of sequence / camera names (``'S2 Seq10'`` after ``'S2 Seq9'``);
#: it and ``pck_joint_indices`` live in mpm.utils (facts metrics share) and
#: stay importable from here.
sequence_sort_key = natural_sort_key


def sequence_resolution(sequence: str) -> Tuple[int, int]:
    """Frame size ``(width, height)`` in pixels of a sequence.

    Training sequences (``'S1 Seq1'``) are 2048 x 2048; test sequences
    TS1-TS4 2048 x 2048 and TS5-TS6 1920 x 1080.

    Raises:
        ValueError: an unknown sequence name.
    """
    if _TRAIN_NAME.match(sequence):
        return _TRAIN_RESOLUTION
    if sequence in _TEST_RESOLUTIONS:
        return _TEST_RESOLUTIONS[sequence]
    raise ValueError(
        f"unknown MPI-INF-3DHP sequence '{sequence}': expected a training "
        "sequence 'S<s> Seq<q>' or a test sequence "
        f'{list(MPI_INF_3DHP_TEST_SEQUENCES)}; its frame size is unknown.')


def reorder_3dhp_to_h36m(keypoints):
    """MPI-INF-3DHP-17 order -> Human3.6M-17 order.

    Args:
        keypoints: (..., 17, C) numpy array or torch tensor in the 3DHP order
            (any unit).

    Returns:
        (..., 17, C) in the Human3.6M order (pelvis first). H36M's thorax,
        neck/nose and head hold 3DHP's neck, head and head_top
        (:data:`~mpm.utils.skeleton.MPI_INF_3DHP_TO_H36M`).
    """
    if keypoints.shape[-2] != MPI_INF_3DHP_SKELETON.num_joints:
        raise ValueError(
            f'expected (..., 17, C) keypoints in the MPI-INF-3DHP order, got '
            f'shape {tuple(keypoints.shape)}.')
    return keypoints[..., list(MPI_INF_3DHP_TO_H36M), :]


@DATASETS.register_module()
class MpiInf3dhpDataset(PoseWindowDataset):
    """MPI-INF-3DHP 2D/3D keypoint windows (ground-truth 2D).

    Args:
        data_root: folder holding the file(s).
        split: ``'train'`` (every frame of every camera of S1-S8) or
            ``'test'`` (TS1-TS6, windows centred on valid frames).
        seq_len: frames per window ``T``.
        dilation: step between window frames (in downsampled frames).
        file_name: npz file name (or absolute path); default
            ``data_train_3dhp.npz`` / ``data_test_3dhp.npz``.
        sequences: optional selection: full names (``'S1 Seq2'``,
            ``'TS5'``) or, for training, subjects (``'S1'``, every sequence
            of it). ``None`` = all in the file.
        cameras: training only: camera ids to use (ints or the file's
            strings, e.g. ``(0, 2, 8)``); ``None`` = all in the file.
        downsample: keep every ``downsample``-th frame of each video.
        valid_only: test only: one window per valid frame (the official
            protocol). ``False`` gives one window per frame with
            ``meta['valid']`` telling which count.
        subset: fraction in (0, 1] of window centres to keep: per video a
            contiguous chunk of ``ceil(subset * N)`` frames at an offset drawn
            from ``np.random.default_rng(subset_seed)`` (for the test split
            only the valid frames inside it, when ``valid_only``).
        subset_seed: seed of that draw.
        joint_order: ``'3dhp'`` (file order, pelvis = 14) or ``'h36m'``
            (reordered with :func:`reorder_3dhp_to_h36m`, pelvis = 0; for
            mixing with Human3.6M).
        pipeline: transforms (configs built from mpm's TRANSFORMS, or
            callables) applied to each sample dict.

    A sample (empty pipeline) is a dict:

    - ``keypoints_2d``: (T, 17, 2) float32, normalised screen coordinates
      (``x / w * 2 - [1, h / w]`` with the sequence's own frame size).
    - ``keypoints_3d``: (T, 17, 3) float32, metres, camera frame,
      root-relative (the pelvis is zero).
    - ``target_index``: int, the centre frame's position ``T // 2``.
    - ``meta``: dict(subject (``'S1'`` / ``'TS1'``), action (``'Seq1'`` for
      training, the sequence name for test), sequence (``'S1 Seq1'`` /
      ``'TS1'``), camera (camera id; -1 for test), camera_id (its string;
      ``''`` for test), frame (centre frame in the downsampled sequence),
      valid (1 / 0; always 1 for training)).

    Windows read frames clipped to the video (edge padding: the first /
    last frame repeats), invalid test frames included. ``len(dataset)`` =
    number of window centres. Order: sequence (natural order), camera
    (numeric), frame.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 seq_len: int = 243,
                 dilation: int = 1,
                 file_name: Optional[str] = None,
                 sequences: Optional[Sequence[str]] = None,
                 cameras: Optional[Sequence[Union[int, str]]] = None,
                 downsample: int = 1,
                 valid_only: bool = True,
                 subset: float = 1.0,
                 subset_seed: int = 0,
                 joint_order: str = '3dhp',
                 pipeline: Sequence[Union[dict, Any]] = ()):
        if split not in _DEFAULT_FILES:
            raise ValueError(f"split must be 'train' or 'test', got "
                             f'{split!r}.')
        if joint_order not in _JOINT_ORDERS:
            raise ValueError(f'joint_order must be one of '
                             f'{list(_JOINT_ORDERS)}, got {joint_order!r}.')
        if int(downsample) != downsample or downsample < 1:
            raise ValueError(f'downsample must be an integer >= 1, got '
                             f'{downsample!r}.')
        if not 0 < subset <= 1:
            raise ValueError(f'subset must be in (0, 1], got {subset!r}.')
        if int(seq_len) < 1 or int(dilation) < 1:
            raise ValueError(f'seq_len and dilation must be >= 1, got '
                             f'{seq_len} and {dilation}.')
        if cameras is not None and split == 'test':
            raise ValueError('cameras selects training cameras; the test '
                             'split has one video per sequence. Leave '
                             'cameras=None for split="test".')
        self.data_root = data_root
        self.split = split
        self.path = osp.join(data_root, file_name or _DEFAULT_FILES[split])
        self.downsample = int(downsample)
        self.joint_order = joint_order
        self.valid_only = bool(valid_only)
        self.seq_len = int(seq_len)
        self.dilation = int(dilation)

        data = load_npz_dict(self.path, 'data',
                             f'MPI-INF-3DHP {split}',
                             MPI_INF_3DHP_HINT.format(root=data_root))
        if not isinstance(data, dict) or not data:
            raise ValueError(
                f"{self.path}, key 'data': holds "
                f'{type(data).__name__}{"" if data else " (empty)"}, expected '
                "a non-empty dict sequence name -> data (P-STMO's layout).")
        self._check_split_keys(data)
        names = self._select_sequences(data, sequences)
        videos, self.fps = self._collect_videos(data, names, cameras)

        # Preallocated float32 blocks, filled video by video.
        lengths = [-(-len(v['kp3d']) // self.downsample) for v in videos]
        total = sum(lengths)
        num_joints = MPI_INF_3DHP_SKELETON.num_joints
        self._kp2d = np.empty((total, num_joints, 2), np.float32)
        self._kp3d = np.empty((total, num_joints, 3), np.float32)
        self._valid = np.empty(total, np.int8)
        self.video_info: List[Dict[str, Any]] = []
        start = 0
        for video, n in zip(videos, lengths):
            self._fill(video, start, n)
            info = {k: video[k] for k in ('subject', 'action', 'sequence',
                                          'camera', 'camera_id', 'width',
                                          'height')}
            info.update(start=start, num_frames=n)
            self.video_info.append(info)
            start += n
        del data, videos
        self._starts = np.array([v['start'] for v in self.video_info],
                                np.int64)

        centres = self._centres(lengths, subset, subset_seed)
        self.window_index = WindowIndex(lengths, seq_len, dilation, centres)
        self.cameras = sorted({v['camera'] for v in self.video_info})
        self.metainfo = self._metainfo()
        self.pipeline = self._build_pipeline(pipeline)

    # ------------------------------------------------------------------ init
    def _check_split_keys(self, data: dict) -> None:
        """Refuse the test file given as training file and vice versa."""
        keys = [str(k) for k in data]
        is_train = [bool(_TRAIN_NAME.match(k)) for k in keys]
        other = {'train': 'test', 'test': 'train'}[self.split]
        if self.split == 'train' and not any(is_train):
            raise ValueError(
                f"{self.path}, key 'data': no training sequence "
                f"('S<s> Seq<q>') among "
                f'{sorted(keys, key=sequence_sort_key)}. '
                f"This looks like the {other} file; for split='train' use "
                'data_train_3dhp.npz.')
        if self.split == 'test' and all(is_train):
            raise ValueError(
                f"{self.path}, key 'data': only training sequences "
                f'({sorted(keys, key=sequence_sort_key)[:4]} ...). This looks '
                f"like the {other} file; for split='test' use "
                'data_test_3dhp.npz.')

    def _select_sequences(self, data: dict, sequences) -> List[str]:
        available = sorted((str(k) for k in data), key=sequence_sort_key)
        if sequences is None:
            return available
        if isinstance(sequences, str):
            sequences = (sequences, )

        def matches(request: str, name: str) -> bool:
            return name == request or (self.split == 'train'
                                       and name.split(' ')[0] == request)

        for request in sequences:
            if not any(matches(request, n) for n in available):
                raise ValueError(
                    f"sequence '{request}' not found in {self.path}; "
                    f'available sequences: {available}'
                    + (" (or subjects 'S<s>')." if self.split == 'train'
                       else '.'))
        return [n for n in available
                if any(matches(r, n) for r in sequences)]

    def _collect_videos(self, data: dict, names: Sequence[str],
                        cameras) -> Tuple[List[dict], Dict[str, float]]:
        """Validated raw arrays and meta of every selected video."""
        videos, fps = [], {}
        wanted = None
        if cameras is not None:
            if isinstance(cameras, (int, str)):
                cameras = (cameras, )
            wanted = [str(c) for c in cameras]
            if not wanted or len(set(wanted)) != len(wanted):
                raise ValueError(f'cameras must be distinct camera ids, got '
                                 f'{cameras!r}.')
            found = set()
        for name in names:
            width, height = sequence_resolution(name)
            entry = data[name]
            if self.split == 'test':
                video = self._test_video(entry, name)
                video.update(subject=name, action=name, sequence=name,
                             camera=-1, camera_id='', width=width,
                             height=height)
                videos.append(video)
                continue
            views, rate = self._train_entry(entry, name)
            if rate is not None:
                fps[name] = rate / self.downsample
            keys = {str(c): c for c in views}
            ids = sorted(keys, key=sequence_sort_key)
            if wanted is not None:
                found.update(c for c in ids if c in wanted)
                ids = [c for c in ids if c in wanted]
            subject, seq = name.split(' ')
            for cam_id in ids:
                video = self._arrays(
                    views[keys[cam_id]],
                    f"sequence '{name}', camera '{cam_id}'", None)
                video.update(subject=subject, action=seq, sequence=name,
                             camera=int(cam_id) if cam_id.isdigit() else -1,
                             camera_id=cam_id, width=width, height=height)
                videos.append(video)
        if wanted is not None and set(wanted) - found:
            raise ValueError(
                f'cameras '
                f'{sorted(set(wanted) - found, key=sequence_sort_key)} '
                f'not found in the selected sequences of {self.path}; '
                f'training cameras are {list(MPI_INF_3DHP_TRAIN_CAMERAS)}.')
        if not videos:
            raise ValueError(f'no video selected from {self.path}.')
        return videos, fps

    def _train_entry(self, entry, name: str) -> Tuple[dict, Optional[float]]:
        """``[cameras dict, fps]`` (or a bare cameras dict) -> both."""
        rate = None
        if isinstance(entry, (list, tuple)) and entry and isinstance(
                entry[0], dict):
            views = entry[0]
            if len(entry) > 1:
                try:
                    rate = float(np.asarray(entry[1]).reshape(-1)[0])
                except (TypeError, ValueError, IndexError):
                    rate = None
        elif isinstance(entry, dict) and 'data_2d' not in entry:
            views = entry
        else:
            raise ValueError(
                f"{self.path}, key 'data', sequence '{name}': expected "
                "[dict camera id -> {'data_2d', 'data_3d'}, fps] (P-STMO's "
                f'training layout), got {type(entry).__name__}.')
        if not views:
            raise ValueError(f"{self.path}, key 'data', sequence '{name}': "
                             'the camera dict is empty.')
        return views, rate

    def _test_video(self, entry, name: str) -> dict:
        where = f"sequence '{name}'"
        if not isinstance(entry, dict) or 'valid' not in entry:
            have = sorted(entry) if isinstance(entry, dict) else type(entry)
            raise ValueError(
                f"{self.path}, key 'data', {where}: expected a dict with "
                f"'data_2d', 'data_3d' and 'valid' (P-STMO's test layout), "
                f'got {have}. Re-create the file with '
                'tools/dataset_converters/prepare_3dhp.py.')
        return self._arrays(entry, where, entry['valid'])

    def _arrays(self, entry, where: str, valid) -> dict:
        """Check one video's ``data_2d`` / ``data_3d`` (/ ``valid``)."""
        where = f"{self.path}, key 'data', {where}"
        if not isinstance(entry, dict) or not {'data_2d', 'data_3d'} <= set(
                entry):
            have = sorted(entry) if isinstance(entry, dict) else type(entry)
            raise ValueError(f"{where}: expected a dict with 'data_2d' and "
                             f"'data_3d', got {have}.")
        kp2d, kp3d = np.asarray(entry['data_2d']), np.asarray(entry['data_3d'])
        joints = MPI_INF_3DHP_SKELETON.num_joints
        for arr, key, dim, unit in ((kp2d, 'data_2d', 2, 'pixels'),
                                    (kp3d, 'data_3d', 3, 'millimetres')):
            if arr.ndim != 3 or arr.shape[1:] != (joints, dim) or not len(
                    arr):
                hint = ''
                if arr.ndim == 3 and arr.shape[1] == 28:
                    hint = (' It has the 28 joints of the raw annotation; '
                            'convert it with tools/dataset_converters/'
                            'prepare_3dhp.py, which keeps the 17 joints.')
                raise ValueError(
                    f"{where}: '{key}' has shape {arr.shape}, expected "
                    f'(N, {joints}, {dim}) {unit} in the MPI-INF-3DHP '
                    f'17-joint order, N >= 1.{hint}')
        n = len(kp3d)
        if len(kp2d) < n:
            raise ValueError(
                f"{where}: 'data_2d' has {len(kp2d)} frames, fewer than the "
                f"{n} frames of 'data_3d'.")
        if valid is not None:
            valid = np.asarray(valid).reshape(-1)
            if len(valid) != n:
                raise ValueError(
                    f"{where}: 'valid' has {len(valid)} entries for {n} "
                    'frames; it needs one 0/1 flag per frame.')
            if not np.isin(valid, (0, 1)).all():
                raise ValueError(f"{where}: 'valid' must hold only 0 and 1, "
                                 f'found {np.unique(valid)[:5]}.')
        return dict(kp2d=kp2d[:n], kp3d=kp3d, valid=valid, where=where)

    def _fill(self, video: dict, start: int, n: int) -> None:
        """Convert one video into rows ``[start, start + n)`` of the blocks."""
        step = self.downsample
        rows = slice(start, start + n)
        valid = video['valid']
        for key, arr in (('data_2d', video['kp2d']), ('data_3d',
                                                     video['kp3d'])):
            finite = np.isfinite(arr[::step].reshape(n, -1)).all(axis=1)
            if not finite.all():
                bad = int(np.argmin(finite)) * step
                status = ('' if valid is None else
                          f" (valid={int(valid[bad])})")
                raise ValueError(
                    f"{video['where']}: NaN/inf in '{key}' at frame {bad}"
                    f'{status}. Windows read every frame, so the file must '
                    'be finite everywhere.')
        kp3d = np.asarray(video['kp3d'][::step], np.float64)
        root = MPI_INF_3DHP_SKELETON.root
        kp3d = (kp3d - kp3d[:, root:root + 1]) / 1000.0
        kp2d = normalize_screen(
            np.asarray(video['kp2d'][::step], np.float32), video['width'],
            video['height'])
        if self.joint_order == 'h36m':
            kp2d, kp3d = reorder_3dhp_to_h36m(kp2d), reorder_3dhp_to_h36m(
                kp3d)
        self._kp2d[rows] = kp2d
        self._kp3d[rows] = kp3d
        self._valid[rows] = 1 if valid is None else valid[::step]

    def _centres(self, lengths: Sequence[int], subset: float,
                 seed: int) -> Optional[list]:
        use_valid = self.split == 'test' and self.valid_only
        if subset == 1 and not use_valid:
            return None
        chunks = (contiguous_subset(lengths, subset, seed) if subset < 1 else
                  [range(n) for n in lengths])
        if not use_valid:
            return chunks
        out = []
        for info, chunk in zip(self.video_info, chunks):
            valid = self._valid[info['start']:info['start'] +
                                info['num_frames']]
            frames = np.arange(chunk.start, chunk.stop, dtype=np.int64)
            out.append(frames[valid[frames] == 1])
        return out

    def _metainfo(self) -> Dict[str, Any]:
        sk = (MPI_INF_3DHP_SKELETON
              if self.joint_order == '3dhp' else H36M_SKELETON)
        sequences = list(dict.fromkeys(v['sequence'] for v in self.video_info))
        return dict(
            dataset_name='mpi_inf_3dhp',
            split=self.split,
            joint_order=self.joint_order,
            **sk.metainfo(),
            pck_joints=pck_joint_indices(self.joint_order),
            seq_len=self.seq_len,
            dilation=self.dilation,
            sequences=sequences,
            cameras=list(self.cameras),
            resolutions={s: sequence_resolution(s) for s in sequences},
            fps=dict(self.fps),
        )


    # ---------------------------------------------------------------- access
    @property
    def num_videos(self) -> int:
        """Number of (sequence, camera) videos."""
        return len(self.video_info)

    def get_video(self, video: int) -> Tuple[np.ndarray, np.ndarray,
                                             np.ndarray]:
        """Whole video ``video``: read-only views (N, 17, 2) normalised 2D,
        (N, 17, 3) root-relative metres and (N,) int8 valid flags."""
        info = self.video_info[video]
        sl = slice(info['start'], info['start'] + info['num_frames'])
        out = (self._kp2d[sl], self._kp3d[sl], self._valid[sl])
        for arr in out:
            arr.flags.writeable = False
        return out

    def __getitem__(self, index) -> Dict[str, Any]:
        index = operator.index(index)
        video, centre, frames = self.window_index.window(index)
        rows = self._starts[video] + frames
        info = self.video_info[video]
        sample = dict(
            keypoints_2d=self._kp2d[rows],
            keypoints_3d=self._kp3d[rows],
            target_index=self.window_index.target_index,
            meta=dict(subject=info['subject'], action=info['action'],
                      sequence=info['sequence'], camera=info['camera'],
                      camera_id=info['camera_id'], frame=centre,
                      valid=int(self._valid[info['start'] + centre])))
        if self.pipeline is not None:
            sample = self.pipeline(sample)
        return sample

    def mean_pose_3d(self) -> np.ndarray:
        """(17, 3) float32 metres: mean root-relative pose over every frame
        of every selected video (invalid test frames included)."""
        return self._kp3d.mean(axis=0, dtype=np.float64).astype(np.float32)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(split={self.split!r}, '
                f'videos={self.num_videos}, windows={len(self)}, '
                f'seq_len={self.seq_len}, dilation={self.dilation}, '
                f'downsample={self.downsample}, '
                f'joint_order={self.joint_order!r})')
