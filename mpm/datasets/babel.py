"""Reader of BABEL action annotations (fine-grained labels of AMASS).

BABEL's JSON files (``train.json``, ``val.json``, ...) map a sequence id to::

    {"babel_sid": 12, "feat_p": "CMU/CMU/86/86_04_poses.npz",
     "dur": 8.2,                                  # seconds
     "seq_ann": {"labels": [{"proc_label": "walk", "raw_label": "walking",
                             "act_cat": ["walk"], "seg_id": "..."}], ...},
     "frame_ann": {"labels": [{"proc_label": "walk", "act_cat": ["walk"],
                               "start_t": 0.0, "end_t": 3.1, ...}, ...]}}

``frame_ann`` is ``null`` for sequences annotated only as a whole; their
sequence labels then hold for every frame. This module turns that layout
into per-frame labels at any frame rate; no AMASS motion is read.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import (Any, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from mpm.utils.babel_categories import BABEL_ACTION_CATEGORIES  # noqa: F401

#: Label fields a segment can be read by.
LABEL_KEYS = ('proc_label', 'raw_label', 'act_cat')


@dataclass(frozen=True)
class BabelSegment:
    """One BABEL label: ``proc_label`` (processed text), ``raw_label``,
    ``act_cat`` (action categories) over ``[start_t, end_t)`` seconds
    (the whole sequence for a sequence-level label)."""
    proc_label: str
    raw_label: str
    act_cat: Tuple[str, ...]
    start_t: float
    end_t: float

    def labels(self, key: str) -> Tuple[str, ...]:
        """The segment's labels of field ``key`` (``act_cat`` may hold
        several)."""
        if key == 'act_cat':
            return self.act_cat
        return (getattr(self, key), )


@dataclass(frozen=True)
class BabelSequence:
    """Annotations of one BABEL sequence.

    ``segments``: the frame-level labels (``frame_level=True``) or, for a
    sequence without ``frame_ann``, its sequence labels spanning
    ``[0, duration]``. ``duration`` in seconds; ``feat_p``: the AMASS file.
    """
    sid: str
    feat_p: str
    duration: float
    segments: Tuple[BabelSegment, ...]
    frame_level: bool

    def num_frames(self, fps: float) -> int:
        """Frames of the sequence at ``fps``: ``round(duration * fps)``."""
        return int(round(self.duration * fps))


def _segment(raw: Mapping, where: str, whole: Optional[float]) -> BabelSegment:
    if not isinstance(raw, Mapping):
        raise ValueError(f'{where}: expected an object, got {raw!r}')
    proc = raw.get('proc_label', raw.get('raw_label'))
    if not isinstance(proc, str):
        raise ValueError(f"{where}: needs a string 'proc_label' (or "
                         f"'raw_label'), has keys {sorted(raw)}")
    cats = raw.get('act_cat') or []
    if isinstance(cats, str):
        cats = [cats]
    if whole is not None:
        start, end = 0.0, whole
    else:
        try:
            start, end = float(raw['start_t']), float(raw['end_t'])
        except KeyError as err:
            raise ValueError(f'{where}: frame label lacks {err.args[0]!r} '
                             '(start_t and end_t in seconds)') from None
        if end < start:
            raise ValueError(f'{where}: end_t {end} < start_t {start}')
    return BabelSegment(proc, str(raw.get('raw_label', proc)),
                        tuple(str(c) for c in cats), start, end)


def parse_babel(data: Mapping[str, Any],
                source: str = 'BABEL data') -> Dict[str, BabelSequence]:
    """Parse a loaded BABEL JSON object: ``{sid: BabelSequence}``."""
    if not isinstance(data, Mapping):
        raise ValueError(f'{source}: expected a JSON object sid -> sequence, '
                         f'got {type(data).__name__}')
    out = {}
    for sid, seq in data.items():
        where = f'{source}, sequence {sid!r}'
        if not isinstance(seq, Mapping) or 'dur' not in seq:
            raise ValueError(f"{where}: expected an object with 'dur' "
                             '(seconds), feat_p, seq_ann, frame_ann')
        duration = float(seq['dur'])
        frame_ann = seq.get('frame_ann')
        if frame_ann:
            labels = frame_ann.get('labels') or []
            segments = tuple(
                _segment(lab, f'{where}, frame_ann.labels[{i}]', None)
                for i, lab in enumerate(labels))
            frame_level = True
        else:
            labels = (seq.get('seq_ann') or {}).get('labels') or []
            segments = tuple(
                _segment(lab, f'{where}, seq_ann.labels[{i}]', duration)
                for i, lab in enumerate(labels))
            frame_level = False
        out[str(sid)] = BabelSequence(str(sid), str(seq.get('feat_p', '')),
                                      duration, segments, frame_level)
    return out


def load_babel(path: str) -> Dict[str, BabelSequence]:
    """Read a BABEL JSON file: ``{sid: BabelSequence}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'BABEL file {path} not found; download BABEL (babel.is.tue.mpg'
            '.de) and give the path of train.json / val.json')
    with open(path) as f:
        return parse_babel(json.load(f), path)


def _check_key(key: str) -> None:
    if key not in LABEL_KEYS:
        raise ValueError(f'label key must be one of {LABEL_KEYS}, got '
                         f'{key!r}')


def frame_labels(seq: BabelSequence, fps: float,
                 num_frames: Optional[int] = None,
                 key: str = 'proc_label') -> List[List[str]]:
    """All labels of each frame of ``seq`` sampled at ``fps``.

    Frame ``i`` is at time ``i / fps`` seconds and carries every segment
    with ``start_t <= t < end_t``; a segment reaching the end of the
    sequence (``end_t >= duration``) also covers ``t == end_t``. Labels of a
    frame are unique, in annotation order. Frames no segment covers get
    ``[]``.

    Args:
        seq: a parsed sequence.
        fps: frame rate of the motion the labels go with (e.g. 30 for
            BABEL's AMASS rendering, 50 to match Human3.6M windows).
        num_frames: number of frames (default ``seq.num_frames(fps)``).
        key: ``'proc_label'``, ``'raw_label'`` or ``'act_cat'``.

    Returns:
        a list of ``num_frames`` lists of labels.
    """
    _check_key(key)
    if fps <= 0:
        raise ValueError(f'fps must be > 0, got {fps}')
    n = seq.num_frames(fps) if num_frames is None else int(num_frames)
    out: List[List[str]] = [[] for _ in range(n)]
    for seg in seq.segments:
        first = max(0, _ceil(seg.start_t * fps))
        # frames with t < end_t: i < end_t * fps
        last = _ceil(seg.end_t * fps) - 1
        if seg.end_t >= seq.duration - 1e-6:
            last = max(last, int(seg.end_t * fps + 1e-6))
        for i in range(first, min(last, n - 1) + 1):
            for label in seg.labels(key):
                if label not in out[i]:
                    out[i].append(label)
    return out


def _ceil(x: float) -> int:
    """Ceiling robust to float round-off (2.9999999 -> 3)."""
    r = round(x)
    return int(r) if abs(x - r) < 1e-6 else int(-(-x // 1))


def dominant_frame_labels(seq: BabelSequence, fps: float,
                          num_frames: Optional[int] = None,
                          key: str = 'proc_label',
                          none_label: Optional[str] = None
                          ) -> List[Optional[str]]:
    """One label per frame: the shortest segment covering it (the most
    specific action; ties: the first annotated), ``none_label`` where no
    segment covers the frame. For ``act_cat`` the segment's first category.
    Same timing rules as :func:`frame_labels`."""
    _check_key(key)
    order = sorted(range(len(seq.segments)),
                   key=lambda i: (seq.segments[i].end_t -
                                  seq.segments[i].start_t, i))
    n = seq.num_frames(fps) if num_frames is None else int(num_frames)
    out: List[Optional[str]] = [none_label] * n
    for idx in reversed(order):  # longest first, shortest written last
        single = BabelSequence(seq.sid, seq.feat_p, seq.duration,
                               (seq.segments[idx], ), seq.frame_level)
        labels = seq.segments[idx].labels(key)
        if not labels:
            continue
        for i, frame in enumerate(frame_labels(single, fps, n, key)):
            if frame:
                out[i] = labels[0]
    return out


def babel_label_set(sequences: Union[Mapping[str, BabelSequence],
                                     Iterable[BabelSequence]],
                    key: str = 'proc_label') -> List[str]:
    """Sorted unique labels of field ``key`` over ``sequences``."""
    _check_key(key)
    if isinstance(sequences, Mapping):
        sequences = sequences.values()
    found = set()
    for seq in sequences:
        for seg in seq.segments:
            found.update(seg.labels(key))
    return sorted(found)


def window_label(labels: Sequence[Optional[str]], centre: int,
                 none_label: Optional[str] = None) -> Optional[str]:
    """Label of a window: the label of its centre frame (``labels`` from
    :func:`dominant_frame_labels`)."""
    if not 0 <= centre < len(labels):
        raise IndexError(f'centre frame {centre} outside 0..{len(labels)-1}')
    label = labels[centre]
    return none_label if label is None else label
