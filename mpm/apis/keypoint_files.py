"""Read 2D detector output: one person or many tracked people per video.

Formats (keypoints ``[x, y, score] * K`` in pixels of a layout of
:mod:`mpm.datasets.keypoint_layouts`):

- ``.json``: a COCO-style result list (or a dict with ``annotations``) of
  ``{"image_id", "keypoints": [x, y, score] * K, "score"}``, optionally with
  a track id per detection (``track_id``, as written by MMTracking / ByteTrack
  exporters, or ``idx``, as written by AlphaPose's tracker).
- ``.npy`` / ``.npz``: a (T, K, 3) array (one person) or a (P, T, K, 3)
  array (P tracks); an ``.npz`` stores it under ``keypoints`` (or as its
  only array).

Frames: an integer ``image_id``, or the last number in a file-name id
(``'frame_000012.jpg'``, AlphaPose's ``'12.jpg'``), is the frame index of the
video plus ``first_frame_id`` (0 by default; 1 for 1-based ids), so frames
without any detection stay in the output as all-NaN rows and every output
keeps the video's frame index. Ids without distinct numbers are ordered
naturally (``frame2 < frame10``), one frame each, with a warning.

Missing keypoints (``null`` / NaN coordinates, ``(0, 0)``) are kept as
they are here; the keypoint converters mark them (NaN, score 0) and
:func:`mpm.apis.lift` fills them and passes them as hidden joints.
"""
import json
import os
import re
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Union

import numpy as np

from mpm.datasets.keypoint_layouts import LAYOUT_NUM_KEYPOINTS

__all__ = ['KeypointTracks', 'load_keypoints', 'load_tracks', 'TRACK_FIELDS']

PathLike = Union[str, os.PathLike]

#: Track-id fields looked for (in this order) when ``track_field='auto'``.
TRACK_FIELDS = ('track_id', 'idx')


@dataclass
class KeypointTracks:
    """The people of one video, each as a frame-aligned keypoint array.

    Attributes:
        keypoints: track name -> (T, K, 3) float64 ``[x, y, score]`` pixels;
            rows of frames where the track has no detection are NaN. All
            tracks share T, the frames of the video.
        tracked: True when the file carries track ids (a track field or a
            (P, T, K, 3) array); False for one person per frame (the track
            is then named ``'0'``).
    """
    keypoints: Dict[str, np.ndarray]
    tracked: bool

    @property
    def num_frames(self) -> int:
        """T, the number of video frames covered."""
        return next(iter(self.keypoints.values())).shape[0]


def _natural_key(value):
    if isinstance(value, (int, np.integer)):
        return (0, int(value), '')
    text = str(value)
    parts = re.split(r'(\d+)', text)
    return (1, 0, tuple(int(p) if p.isdigit() else p for p in parts))


def _check_layout(arr: np.ndarray, name: str, layout: Optional[str]):
    if layout is None:
        return
    if layout not in LAYOUT_NUM_KEYPOINTS:
        raise ValueError(f"Unknown layout '{layout}': use one of "
                         f'{sorted(LAYOUT_NUM_KEYPOINTS)}.')
    k = LAYOUT_NUM_KEYPOINTS[layout]
    if arr.shape[-2] != k:
        guess = [n for n, v in LAYOUT_NUM_KEYPOINTS.items()
                 if v == arr.shape[-2]]
        hint = (f" (that fits layout {' / '.join(repr(g) for g in guess)})"
                if guess else '')
        raise ValueError(
            f"'{name}': layout '{layout}' has {k} keypoints per frame but "
            f'the file has {arr.shape[-2]} ({arr.shape}){hint}; pass the '
            'layout of the detector that wrote it (--format).')


def _with_scores(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float64)
    if arr.shape[-1] == 2:
        arr = np.concatenate([arr, np.ones(arr.shape[:-1] + (1,))], axis=-1)
    return arr


def _frame_number(image_id) -> Optional[int]:
    """The frame number an image id gives: an integer id itself, else the
    last number in the name (``'frame_000012.jpg'`` -> 12), else None."""
    if isinstance(image_id, (int, np.integer)) and \
            not isinstance(image_id, bool):
        return int(image_id)
    numbers = re.findall(r'\d+', str(image_id))
    return int(numbers[-1]) if numbers else None


def _frame_index(ids: List, path: str, first_frame_id: int) -> Dict:
    """image_id -> frame index of the video.

    The frame index is the id's frame number (:func:`_frame_number`) minus
    ``first_frame_id``, so frames without detection keep their place. Ids
    without distinct frame numbers (names without a number, or two names
    with the same one) are ordered naturally, one frame each, with a
    warning.
    """
    distinct = set(ids)
    number = {i: _frame_number(i) for i in distinct}
    if None not in number.values() and \
            len(set(number.values())) == len(number):
        low = min(number.values())
        if low < first_frame_id:
            raise ValueError(
                f"'{path}': image_id {low} is below the first frame id "
                f'{first_frame_id}; pass the id of the video\'s first frame '
                '(--first-frame-id).')
        if low > first_frame_id:
            warnings.warn(
                f"'{path}': the first detection is in frame number {low}: "
                f'frames {first_frame_id}..{low - 1} have no detection and '
                'are NaN in every output. If the ids are 1-based, pass '
                '--first-frame-id 1.', UserWarning, stacklevel=3)
        return {i: n - first_frame_id for i, n in number.items()}
    order = sorted(distinct, key=_natural_key)
    warnings.warn(
        f"'{path}': the image ids (e.g. {order[0]!r}) carry no distinct "
        'frame numbers, so they are taken in natural order, one frame each: '
        'frames without any detection have no row and the outputs may not '
        "follow the video's frame index. Write the frame index as an "
        'integer image_id (or in the file names) to keep frames aligned.',
        UserWarning, stacklevel=3)
    return {i: n for n, i in enumerate(order)}


def _track_name(value, path: str, field: str, entry: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            f"'{path}': entry {entry} has {field}={value!r}; a track id must "
            'be an integer or a string.')
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"'{path}': entry {entry} has {field}={value!r};"
                             ' a track id must be an integer or a string.')
        value = int(value)
    name = re.sub(r'[^A-Za-z0-9_.-]', '_', str(value))
    return name


def _resolve_track_field(items: List[dict], path: str,
                         track_field: Optional[str]) -> Optional[str]:
    keys = sorted({k for item in items for k in item})
    if track_field is None:
        return None
    if track_field == 'auto':
        for field in TRACK_FIELDS:
            if any(field in item for item in items):
                track_field = field
                break
        else:
            return None
    elif not any(track_field in item for item in items):
        raise ValueError(
            f"'{path}': unknown track field '{track_field}': no entry has it "
            f'(the entries have {keys}). Name the field that holds the track '
            f"id (--track-field), or use 'auto' ({' / '.join(TRACK_FIELDS)}) "
            "or 'none' (one person: the best detection per image).")
    lacking = [i for i, item in enumerate(items) if track_field not in item]
    if lacking:
        raise ValueError(
            f"'{path}': {len(lacking)} of {len(items)} entries (first: entry "
            f"{lacking[0]}) have no '{track_field}' while the others do; "
            'give every detection its track id, or pass --track-field none '
            'to keep the best detection per image.')
    return track_field


def _parse_json(path: str, layout: Optional[str], track_field: Optional[str],
                first_frame_id: int) -> KeypointTracks:
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict) and 'annotations' in data:
        data = data['annotations']
    if not isinstance(data, list) or not data:
        raise ValueError(
            f"'{path}': expected a non-empty COCO-style result list "
            '[{"image_id": ..., "keypoints": [x, y, score, ...], "score": '
            '...}, ...].')
    for i, item in enumerate(data):
        if not isinstance(item, dict) or 'keypoints' not in item \
                or 'image_id' not in item:
            raise ValueError(f"'{path}': entry {i} lacks 'image_id' or "
                             "'keypoints'.")
    field = _resolve_track_field(data, path, track_field)
    best = {}   # (track, image_id) -> (score, keypoints)
    sizes = set()
    for i, item in enumerate(data):
        try:
            kp = np.asarray(item['keypoints'], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as err:
            raise ValueError(f"'{path}': entry {i} (image_id "
                             f"{item['image_id']!r}) has keypoints that are "
                             f'not numbers: {err}') from err
        if kp.size % 3:
            raise ValueError(f"'{path}': entry {i} (image_id "
                             f"{item['image_id']!r}) has {kp.size} keypoint "
                             'numbers, not a multiple of 3 [x, y, score].')
        kp = kp.reshape(-1, 3)
        sizes.add(kp.shape[0])
        score = item.get('score')
        if score is None or not np.isfinite(float(score)):
            score = float(np.nan_to_num(kp[:, 2], nan=0.0).mean())
        track = ('0' if field is None else
                 _track_name(item[field], path, field, i))
        key = (track, item['image_id'])
        if key not in best or score > best[key][0]:
            best[key] = (float(score), kp)
    if len(sizes) != 1:
        raise ValueError(f"'{path}': entries have different keypoint counts "
                         f'{sorted(sizes)}.')
    K = sizes.pop()
    frame = _frame_index([k[1] for k in best], path, first_frame_id)
    T = max(frame.values()) + 1
    tracks = {}
    for name in sorted({k[0] for k in best}, key=_natural_key):
        tracks[name] = np.full((T, K, 3), np.nan)
    for (name, image_id), (_, kp) in best.items():
        tracks[name][frame[image_id]] = kp
    for name, arr in tracks.items():
        _check_layout(arr, path, layout)
    return KeypointTracks(tracks, tracked=field is not None)


def _load_array(name: str) -> np.ndarray:
    ext = os.path.splitext(name)[1].lower()
    if ext == '.npy':
        return np.load(name, allow_pickle=False)
    with np.load(name, allow_pickle=False) as data:
        keys = list(data.keys())
        if 'keypoints' in keys:
            return data['keypoints']
        if len(keys) == 1:
            return data[keys[0]]
        raise KeyError(
            f"'{name}' holds arrays {keys}: store the (T, K, 3) or (P, T, K, "
            "3) keypoints under the key 'keypoints'.")


def load_tracks(path: PathLike, layout: Optional[str] = 'coco',
                track_field: Optional[str] = 'auto',
                first_frame_id: int = 0) -> KeypointTracks:
    """Read the keypoints of every tracked person of a video.

    Args:
        path: ``.json`` (COCO-style results), ``.npy`` or ``.npz``.
        layout: checks K (``'coco'`` 17, ``'halpe'`` 26, ``'mediapipe'``
            33, ``'h36m'`` 17); None skips the check.
        track_field: JSON field with each detection's track id: ``'auto'``
            (``track_id``, else ``idx``, else no tracks), a field name, or
            None (no tracks: the best-scoring detection of each image).
        first_frame_id: the integer ``image_id`` of the video's first frame.

    Returns:
        :class:`KeypointTracks`: per track a (T, K, 3) float64 array, NaN
        where the track has no detection. A JSON without track ids or a
        (T, K, 3) array gives one untracked person named ``'0'``; a
        (P, T, K, 3) array gives tracks ``'0'`` .. ``'P-1'``.

    Raises:
        FileNotFoundError, ValueError / KeyError with what is wrong: unknown
        file type, wrong keypoint count for ``layout``, an unknown track
        field, entries without the track field, bad track ids.
    """
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"Keypoint file '{name}' does not exist.")
    ext = os.path.splitext(name)[1].lower()
    if ext == '.json':
        return _parse_json(name, layout, track_field, first_frame_id)
    if ext not in ('.npy', '.npz'):
        raise ValueError(f"'{name}': unsupported keypoint file type "
                         f"'{ext}'; use .json (COCO results), .npy or .npz "
                         '(or a video file / a folder of frames with '
                         'tools/infer.py).')
    arr = np.asarray(_load_array(name))
    if arr.ndim not in (3, 4) or arr.shape[-1] not in (2, 3):
        raise ValueError(
            f"'{name}': keypoints must be (T, K, 3) [x, y, score] for one "
            'person or (P, T, K, 3) for P tracks (the score column may be '
            f'left out), got shape {arr.shape}.')
    _check_layout(arr, name, layout)
    arr = _with_scores(arr)
    if arr.ndim == 3:
        return KeypointTracks({'0': arr}, tracked=False)
    return KeypointTracks({str(p): arr[p] for p in range(arr.shape[0])},
                          tracked=True)


def load_keypoints(path: PathLike, layout: Optional[str] = 'coco',
                   first_frame_id: int = 0) -> np.ndarray:
    """Read 2D detector keypoints of one person in a video.

    Formats: see the module docstring. Per image the detection with the
    highest ``score`` (mean keypoint score when absent) is kept, whatever
    its track id; integer image ids, and the last number of file-name ids,
    are frame indices (frames without a detection are NaN rows); ids
    without distinct numbers are ordered naturally (``'frame2' <
    'frame10'``), with a warning.

    Args:
        path: the file.
        layout: checks that K matches; None skips the check.
        first_frame_id: the frame number (integer ``image_id``) of the
            video's first frame.

    Returns:
        (T, K, 3) float64 ``[x, y, score]`` pixels (scores 1 when the file
        has none).
    """
    name = os.fspath(path)
    if os.path.splitext(name)[1].lower() == '.json':
        tracks = load_tracks(name, layout, track_field=None,
                             first_frame_id=first_frame_id)
    else:
        tracks = load_tracks(name, layout)
        if tracks.tracked:
            raise ValueError(
                f"'{name}' holds {len(tracks.keypoints)} tracks (a (P, T, K, "
                '3) array); read it with mpm.apis.load_tracks, or save one '
                "person's (T, K, 3) keypoints.")
    return tracks.keypoints['0']
