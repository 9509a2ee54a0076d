"""AMASS windows (Human3.6M-17 joints) for masked pose pre-training.

The dataset reads the joint file written by
``tools/dataset_converters/prepare_amass.py`` (or any already-converted
file of the same layout):

- ``.npz`` with key ``positions_3d``: dict sequence name -> (N, 17, 3)
  metres, Human3.6M-17 joint order, world frame; optional key ``metadata``
  (dict: ``fps``, ``up_axis``, ...). Held in memory as one float32 block.
- or a memory-mapped cache: ``<name>.npy`` (F, 17, 3) float32 of all
  sequences concatenated plus ``<name>.json`` ``{"sequences": [[name,
  start, length], ...], "metadata": {...}}`` (``--npy-cache`` of the
  converter). Frames are read from disk on access.

World frame: Z up with the floor near z = 0, as AMASS and the Human3.6M world
frame; a Y-up file is turned Z-up (``up_axis='y'``, or its metadata says so).

Cameras (each window is seen by one camera; videos = sequences x views):

- ``camera='h36m'``: the calibrated Human3.6M cameras of ``camera_subject``
  (indices ``cameras``, with lens distortion). The window is translated
  horizontally so that the root (pelvis) at its centre frame stands at
  ``h36m_origin`` (x, y) metres (``'auto'``: the point nearest to the
  cameras' optical axes, the middle of the capture volume); heights are kept.
- ``camera='virtual'``: ``num_views`` pinhole cameras (no distortion) per
  sequence, each drawn once from ``np.random.default_rng([seed, sequence,
  view])``: distance to the target uniform in ``distance`` (default 4-7 m),
  azimuth uniform in ``azimuth`` (0-360 deg, about the Z axis), elevation
  uniform in ``elevation`` (0-25 deg above the horizontal), no roll, focal
  length uniform in ``focal_length`` (default 1145 px, the Human3.6M mean)
  and image ``image_size`` (1000 x 1000 px, principal point at its centre).
  The camera looks at the root at the window's centre frame, so the subject
  stays in view whatever its global path.

In both modes, when a joint of the window would be closer than ``min_depth``
(m) to the camera, the camera is moved back along its optical axis until it
is not (long windows of walking sequences). The 3D target is unaffected
(root-relative).
"""
import json
import operator
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from mpm.registry import DATASETS
from mpm.utils.skeleton import H36M_SKELETON
from .base import PoseWindowDataset
from .camera import (Camera, h36m_cameras, normalize_screen,
                     project_to_pixels, world_to_camera)
from .frame_action_labels import (label_names_of, names_of_label_ids,
                                  read_babel_labels, window_action)
from .io import NpzKeyError, load_npz_dict
from .windows import WindowIndex

__all__ = ['AmassDataset', 'AMASS_HINT', 'DEFAULT_VIRTUAL_CAMERA',
           'virtual_camera', 'h36m_capture_centre']

AMASS_HINT = (
    'Create it from the AMASS body data and your licensed SMPL+H / SMPL-X '
    'model with `python tools/dataset_converters/prepare_amass.py '
    '--amass-dir <AMASS folder> --body-model <model> --regressor '
    '<J_regressor_h36m.npy> --out {path}` (see its --help for where each '
    'file comes from).')

#: Ranges of the random virtual cameras (see the module docstring).
DEFAULT_VIRTUAL_CAMERA = dict(
    distance=(4.0, 7.0),        # metres, camera centre to target
    azimuth=(0.0, 360.0),       # degrees about the world Z axis
    elevation=(0.0, 25.0),      # degrees above the horizontal plane
    focal_length=(1145.0, 1145.0),  # pixels
    image_size=(1000, 1000))    # (width, height) pixels

_MODALITIES = ('3d', '2d', 'both')


def virtual_camera(target: np.ndarray, distance: float, azimuth_deg: float,
                   elevation_deg: float, focal_length: float,
                   image_size: Tuple[int, int],
                   name: str = 'virtual') -> Camera:
    """A distortion-free camera looking at ``target`` (3,) world metres.

    The camera centre is ``target + distance * (cos(el) cos(az), cos(el)
    sin(az), sin(el))`` (Z up); its axes are x = right, y = down, z = the
    viewing direction (Human3.6M convention), no roll. The principal point is
    the image centre.
    """
    if not -89.0 < elevation_deg < 89.0:
        raise ValueError(f'elevation must be within (-89, 89) degrees, got '
                         f'{elevation_deg}.')
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    offset = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az),
                       np.sin(el)])
    centre = np.asarray(target, np.float64) + distance * offset
    forward = -offset
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    w, h = int(image_size[0]), int(image_size[1])
    return Camera(id=name, rotation=np.stack([right, down, forward], axis=1),
                  translation=centre,
                  focal_length=np.array([focal_length, focal_length]),
                  center=np.array([w / 2, h / 2]), radial=np.zeros(3),
                  tangential=np.zeros(2), res_w=w, res_h=h)


def h36m_capture_centre(cameras: Sequence[Camera]) -> np.ndarray:
    """(2,) world x, y (m) of the point nearest (least squares) to the
    optical axes of ``cameras``: where the Human3.6M cameras look."""
    a, b = np.zeros((3, 3)), np.zeros(3)
    for cam in cameras:
        d = cam.rotation[:, 2]
        proj = np.eye(3) - np.outer(d, d)
        a += proj
        b += proj @ cam.translation
    return np.linalg.solve(a, b)[:2]


def _to_z_up(points: np.ndarray, up_axis: str) -> np.ndarray:
    """(..., 3) in a Y-up frame -> Z-up: (x, y, z) -> (x, -z, y)."""
    if up_axis == 'z':
        return points
    return np.stack([points[..., 0], -points[..., 2], points[..., 1]], -1)


@DATASETS.register_module()
class AmassDataset(PoseWindowDataset):
    """AMASS joint windows with 3D and/or projected 2D keypoints.

    Args:
        data_root: folder of the joint file.
        ann_file: joint file name (or absolute path): ``.npz`` (key
            ``positions_3d``) or a ``.npy`` cache with its ``.json`` sidecar.
        seq_len: frames per window ``T``.
        dilation: step between window frames (in downsampled frames).
        modality: '3d' (3D only: ``keypoints_2d`` zeros, ``has_2d`` False),
            '2d' (2D only: ``keypoints_3d`` zeros, ``has_3d`` False) or
            'both'.
        camera: 'h36m' or 'virtual' (module docstring).
        cameras: Human3.6M camera indices (0-3) for ``camera='h36m'``;
            ``None`` = all 4.
        camera_subject: whose Human3.6M calibration to use.
        h36m_origin: (x, y) metres where the centre-frame root is put for
            ``camera='h36m'``, or ``'auto'``.
        num_views: virtual cameras per sequence (``camera='virtual'``).
        virtual_camera: overrides of :data:`DEFAULT_VIRTUAL_CAMERA`.
        min_depth: minimum joint depth in front of the camera (m).
        up_axis: 'z', 'y' or ``None`` (the file's metadata, else 'z').
        subsets: optional AMASS sub-datasets to keep (first component of the
            sequence name, e.g. ``['CMU', 'BMLmovi']``); ``None`` = all.
        exclude_subsets: sub-datasets to drop (after ``subsets``), e.g. the
            motion corpus families held out for testing.
        downsample: keep every ``downsample``-th frame of each sequence.
        seed: seed of the virtual cameras (same on every process).
        action_labels: per-frame action labels giving ``meta['action']``
            (the label of the window's centre frame): ``'auto'`` (the
            file's own ``labels`` when it has them, like the built-in
            motion corpus; else none), ``'file'`` (the file's own, required),
            the path of a BABEL JSON file (``train.json``: its ``feat_p``
            are matched to the sequence names) or None (``action`` is '').
        babel_key: BABEL label field (``'proc_label'``, ``'raw_label'``,
            ``'act_cat'``).
        pipeline: transforms applied to each sample dict.

    A sample is a dict with the keys of :class:`Human36mDataset`:

    - ``keypoints_2d``: (T, 17, 2) float32 normalised screen coordinates
      (``x / w * 2 - [1, h / w]``), zeros when ``modality='3d'``;
    - ``keypoints_3d``: (T, 17, 3) float32 metres, camera frame,
      root-relative, zeros when ``modality='2d'``;
    - ``has_2d``, ``has_3d``: bool;
    - ``target_index``: ``T // 2``;
    - ``meta``: dict(dataset='amass', subject (sub-dataset, e.g. 'CMU'),
      action (the centre frame's label, '' without labels), sequence (name
      in the file), camera (int: Human3.6M
      index or view number), camera_id (str), frame (centre frame)).

    ``len`` = windows per sequence x views; order: sequence (sorted by name),
    view, frame. Everything is a function of the index, the file and
    ``seed``: identical on every rank and every epoch.
    """

    def __init__(self,
                 data_root: str = 'data/amass',
                 ann_file: str = 'amass_h36m_50fps.npz',
                 seq_len: int = 243,
                 dilation: int = 1,
                 modality: str = '3d',
                 camera: str = 'h36m',
                 cameras: Optional[Sequence[int]] = None,
                 camera_subject: str = 'S1',
                 h36m_origin: Union[str, Sequence[float]] = 'auto',
                 num_views: int = 1,
                 virtual_camera: Optional[dict] = None,
                 min_depth: float = 1.0,
                 up_axis: Optional[str] = None,
                 subsets: Optional[Sequence[str]] = None,
                 exclude_subsets: Optional[Sequence[str]] = None,
                 downsample: int = 1,
                 seed: int = 0,
                 action_labels: Optional[str] = 'auto',
                 babel_key: str = 'proc_label',
                 pipeline: Sequence[Union[dict, Any]] = ()):
        if modality not in _MODALITIES:
            raise ValueError(f"modality must be one of {_MODALITIES}, got "
                             f'{modality!r}.')
        if camera not in ('h36m', 'virtual'):
            raise ValueError(f"camera must be 'h36m' or 'virtual', got "
                             f'{camera!r}.')
        if int(downsample) != downsample or downsample < 1:
            raise ValueError(f'downsample must be an integer >= 1, got '
                             f'{downsample!r}.')
        if not min_depth > 0:
            raise ValueError(f'min_depth must be > 0 m, got {min_depth}.')
        self.data_root = data_root
        self.path = osp.join(data_root, ann_file)
        self.modality = modality
        self.camera_mode = camera
        self.downsample = int(downsample)
        self.min_depth = float(min_depth)
        self.seed = int(seed)

        names, blocks, metadata = self._load()
        self.up_axis = self._check_up_axis(up_axis, metadata)
        names, blocks = self._select(names, blocks, subsets,
                                     exclude_subsets)
        self.sequences = names
        self._blocks = blocks  # per sequence: (N, 17, 3) array or view
        #: per sequence: (N,) str labels of the file's frames, or None
        self.frame_labels = self._frame_labels(action_labels, babel_key,
                                               metadata)
        self._lengths = [len(b[::self.downsample]) for b in blocks]
        fps = metadata.get('fps')
        if fps is not None and abs(float(fps) - 50.0) > 1e-6:
            print_log(f'AmassDataset: {self.path} is at {fps} fps (Human3.6M '
                      'is at 50 fps).', logger='current', level=30)

        if camera == 'h36m':
            all_cams = h36m_cameras()
            if camera_subject not in all_cams:
                raise ValueError(
                    f'camera_subject {camera_subject!r} has no Human3.6M '
                    f'calibration; choose one of {sorted(all_cams)}.')
            idx = tuple(range(4)) if cameras is None else tuple(cameras)
            if not idx or any(not 0 <= int(c) < 4 for c in idx):
                raise ValueError(f'cameras must be indices in 0..3, got '
                                 f'{cameras!r}.')
            self._h36m_cams = [all_cams[camera_subject][int(c)] for c in idx]
            self.cameras = idx
            if isinstance(h36m_origin, str):
                if h36m_origin != 'auto':
                    raise ValueError("h36m_origin must be 'auto' or (x, y), "
                                     f'got {h36m_origin!r}.')
                origin = h36m_capture_centre(all_cams[camera_subject])
            else:
                origin = np.asarray(h36m_origin, np.float64).reshape(-1)
                if origin.shape != (2, ):
                    raise ValueError('h36m_origin must be (x, y) metres, got '
                                     f'{h36m_origin!r}.')
            self.h36m_origin = origin
            self.num_views = len(idx)
        else:
            if int(num_views) < 1:
                raise ValueError(f'num_views must be >= 1, got {num_views}.')
            self.num_views = int(num_views)
            self.virtual_camera = self._check_virtual(virtual_camera)

        lengths = [n for n in self._lengths for _ in range(self.num_views)]
        self.window_index = WindowIndex(lengths, seq_len, dilation)
        self.seq_len = int(seq_len)
        self.dilation = int(dilation)
        self.metainfo = self._metainfo(metadata)
        self.pipeline = self._build_pipeline(pipeline)

    # ------------------------------------------------------------------ init
    def _load(self) -> Tuple[List[str], List[np.ndarray], dict]:
        """Sequence names (sorted), per-sequence (N, 17, 3) arrays, metadata.
        """
        path = self.path
        if path.endswith('.npy'):
            return self._load_npy_cache(path)
        hint = AMASS_HINT.format(path=path)
        data = load_npz_dict(path, 'positions_3d', 'AMASS joint', hint)
        if not isinstance(data, dict) or not data:
            raise ValueError(
                f"{path}, key 'positions_3d': expected a non-empty dict "
                'sequence name -> (N, 17, 3) metres, got '
                f'{type(data).__name__}. ' + hint)
        try:
            metadata = load_npz_dict(path, 'metadata', 'AMASS joint')
        except NpzKeyError:
            metadata = {}
        if not isinstance(metadata, dict):
            metadata = {}
        names = sorted(data)
        total = 0
        for name in names:
            total += self._check_sequence(data[name], name)
        block = np.empty((total, 17, 3), np.float32)
        blocks, start = [], 0
        for name in names:
            n = len(data[name])
            block[start:start + n] = data[name]
            data[name] = None
            blocks.append(block[start:start + n])
            start += n
        return names, blocks, metadata

    def _frame_labels(self, source: Optional[str], key: str,
                      metadata: dict) -> List[Optional[np.ndarray]]:
        """Per-frame labels of each sequence (``action_labels``)."""
        lengths = {n: len(b) for n, b in zip(self.sequences, self._blocks)}
        table: Dict[str, np.ndarray] = {}
        if source in ('auto', 'file'):
            ids = None
            if self.path.endswith('.npz'):
                try:
                    ids = load_npz_dict(self.path, 'labels', 'AMASS joint')
                except NpzKeyError:
                    pass
            if source == 'file' and ids is None:
                raise ValueError(
                    f"action_labels='file': {self.path} has no per-frame "
                    "'labels'; use action_labels='auto' or a BABEL file")
            if ids is not None:
                names = label_names_of(metadata, self.path)
                table = {n: names_of_label_ids(
                    ids[n], names, lengths[n], f'{self.path}, labels[{n!r}]')
                    for n in self.sequences if n in ids}
        elif source is not None:
            table = read_babel_labels(source, lengths,
                                      float(metadata.get('fps', 50.0)), key)
        return [table.get(n) for n in self.sequences]

    def _load_npy_cache(self, path: str):
        side = osp.splitext(path)[0] + '.json'
        if not osp.isfile(path) or not osp.isfile(side):
            raise FileNotFoundError(
                f'AMASS joint cache not found: {path} and its index {side} '
                'are both needed. Write them with prepare_amass.py '
                '--npy-cache. ' + AMASS_HINT.format(path=path[:-4] + '.npz'))
        arr = np.load(path, mmap_mode='r', allow_pickle=False)
        if arr.ndim != 3 or arr.shape[1:] != (17, 3):
            raise ValueError(f'{path}: shape {arr.shape}, expected (F, 17, 3) '
                             'metres.')
        with open(side) as f:
            index = json.load(f)
        names, blocks = [], []
        for entry in sorted(index.get('sequences', []), key=lambda e: e[0]):
            name, start, n = str(entry[0]), int(entry[1]), int(entry[2])
            if n < 1 or start < 0 or start + n > len(arr):
                raise ValueError(
                    f'{side}: sequence {name!r} spans frames [{start}, '
                    f'{start + n}) outside the {len(arr)} frames of {path}.')
            names.append(name)
            blocks.append(arr[start:start + n])
        if not names:
            raise ValueError(f'{side}: no sequences listed.')
        return names, blocks, dict(index.get('metadata') or {})

    def _check_sequence(self, pose, name: str) -> int:
        if (not isinstance(pose, np.ndarray) or pose.ndim != 3
                or pose.shape[1:] != (17, 3) or len(pose) < 1):
            shape = getattr(pose, 'shape', type(pose).__name__)
            raise ValueError(
                f"{self.path}, key 'positions_3d', sequence {name!r}: shape "
                f'{shape}, expected (N, 17, 3) metres (Human3.6M-17 joints), '
                'N >= 1.')
        bad = ~np.isfinite(pose.reshape(len(pose), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f'{self.path}: NaN/inf joints in sequence '
                             f'{name!r} at frame {int(np.argmax(bad))}.')
        return len(pose)

    def _check_up_axis(self, up_axis, metadata) -> str:
        if up_axis is None:
            up_axis = str(metadata.get('up_axis', 'z')).lower()
        if up_axis not in ('z', 'y'):
            raise ValueError(f"up_axis must be 'z' or 'y', got {up_axis!r}.")
        return up_axis

    def _select(self, names, blocks, subsets, exclude_subsets=None):
        if subsets is None and exclude_subsets is None:
            return names, blocks
        have = sorted({n.split('/')[0] for n in names})
        wanted = set(have if subsets is None else
                     (subsets, ) if isinstance(subsets, str) else subsets)
        dropped = set((exclude_subsets, ) if isinstance(exclude_subsets, str)
                      else exclude_subsets or ())
        unknown = sorted(dropped - set(have))
        if unknown:
            raise ValueError(f'exclude_subsets {unknown} are not in '
                             f'{self.path}; available: {have}.')
        wanted -= dropped
        keep = [i for i, n in enumerate(names) if n.split('/')[0] in wanted]
        if not keep:
            raise ValueError(
                f'no sequence left of subsets {sorted(wanted)} (subsets='
                f'{subsets}, exclude_subsets={exclude_subsets}) in '
                f'{self.path}; available: {have}.')
        return [names[i] for i in keep], [blocks[i] for i in keep]

    @staticmethod
    def _check_virtual(overrides: Optional[dict]) -> dict:
        cfg = dict(DEFAULT_VIRTUAL_CAMERA)
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(cfg)
        if unknown:
            raise ValueError(f'unknown virtual_camera keys {sorted(unknown)};'
                             f' allowed: {sorted(cfg)}.')
        cfg.update(overrides)
        for key in ('distance', 'azimuth', 'elevation', 'focal_length'):
            lo, hi = (float(v) for v in cfg[key])
            if lo > hi:
                raise ValueError(f'virtual_camera {key}: low {lo} > high '
                                 f'{hi}.')
            cfg[key] = (lo, hi)
        if cfg['distance'][0] <= 0 or cfg['focal_length'][0] <= 0:
            raise ValueError('virtual_camera distance and focal_length must '
                             'be > 0.')
        if not -89 < cfg['elevation'][0] <= cfg['elevation'][1] < 89:
            raise ValueError('virtual_camera elevation must lie within (-89, '
                             '89) degrees.')
        cfg['image_size'] = tuple(int(v) for v in cfg['image_size'])
        return cfg

    def _metainfo(self, metadata) -> Dict[str, Any]:
        return dict(
            dataset_name='amass', **H36M_SKELETON.metainfo(),
            fps=float(metadata.get('fps', 50.0)) / self.downsample,
            seq_len=self.seq_len, dilation=self.dilation,
            modality=self.modality, camera=self.camera_mode,
            num_views=self.num_views, num_sequences=len(self.sequences))


    # ---------------------------------------------------------------- access
    def sequence_world(self, seq: int) -> np.ndarray:
        """(N, 17, 3) float64 world metres (Z up, downsampled) of sequence
        ``seq``."""
        world = np.asarray(self._blocks[seq][::self.downsample], np.float64)
        return _to_z_up(world, self.up_axis)

    def camera_for(self, seq: int, view: int,
                   world: np.ndarray) -> Tuple[Camera, np.ndarray]:
        """The camera of ``view`` for a window of sequence ``seq`` and the
        window moved in front of it.

        Args:
            world: (T, 17, 3) world metres of the window (Z up).

        Returns:
            ``(camera, world')``: ``world'`` is ``world`` translated (h36m
            mode) or unchanged (virtual mode).
        """
        root = world[self.window_index.target_index, 0]
        if self.camera_mode == 'h36m':
            shift = np.array([*(self.h36m_origin - root[:2]), 0.0])
            return self._h36m_cams[view], world + shift
        cfg = self.virtual_camera
        rng = np.random.default_rng([self.seed, seq, view])
        dist = rng.uniform(*cfg['distance'])
        az = rng.uniform(*cfg['azimuth'])
        el = rng.uniform(*cfg['elevation'])
        focal = rng.uniform(*cfg['focal_length'])
        cam = virtual_camera(root, dist, az, el, focal, cfg['image_size'],
                             name=f'virtual{view}')
        return cam, world

    def __getitem__(self, index) -> Dict[str, Any]:
        index = operator.index(index)
        video, centre, frames = self.window_index.window(index)
        seq, view = divmod(video, self.num_views)
        world = _to_z_up(np.asarray(
            self._blocks[seq][frames * self.downsample], np.float64),
            self.up_axis)
        cam, world = self.camera_for(seq, view, world)
        pts = world_to_camera(world, cam)
        closest = pts[..., 2].min()
        if closest < self.min_depth:
            pts[..., 2] += self.min_depth - closest
        t, j = pts.shape[:2]
        if self.modality == '2d':
            kp3d = np.zeros((t, j, 3), np.float32)
        else:
            kp3d = (pts - pts[:, :1]).astype(np.float32)
        if self.modality == '3d':
            kp2d = np.zeros((t, j, 2), np.float32)
        else:
            px = project_to_pixels(pts, cam,
                                   distort=self.camera_mode == 'h36m')
            kp2d = normalize_screen(px, cam.res_w,
                                    cam.res_h).astype(np.float32)
        name = self.sequences[seq]
        action = window_action(self.frame_labels[seq],
                               centre * self.downsample)
        sample = dict(
            keypoints_2d=kp2d, keypoints_3d=kp3d,
            has_2d=self.modality != '3d', has_3d=self.modality != '2d',
            target_index=self.window_index.target_index,
            meta=dict(dataset='amass', subject=name.split('/')[0],
                      action=action, sequence=name,
                      camera=int(self.cameras[view]) if
                      self.camera_mode == 'h36m' else view,
                      camera_id=str(cam.id), frame=centre))
        if self.pipeline is not None:
            sample = self.pipeline(sample)
        return sample

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(sequences={len(self.sequences)}, '
                f'views={self.num_views}, windows={len(self)}, '
                f'seq_len={self.seq_len}, dilation={self.dilation}, '
                f'modality={self.modality!r}, camera={self.camera_mode!r})')
