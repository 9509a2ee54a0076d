"""Converters from 2D detector keypoint layouts to Human3.6M-17.

Every converter maps ``(T, K, 3)`` keypoints ``[x, y, score]`` in pixels of
one layout to ``(T, 17, 2)`` pixels and ``(T, 17)`` scores in the Human3.6M-17
order of :data:`mpm.utils.skeleton.H36M_SKELETON` (0 pelvis, 1 R hip, 2 R knee,
3 R ankle, 4 L hip, 5 L knee, 6 L ankle, 7 spine, 8 thorax, 9 neck/nose,
10 head, 11 L shoulder, 12 L elbow, 13 L wrist, 14 R shoulder, 15 R elbow,
16 R wrist). ``(T, K, 2)`` input (no scores) is accepted; its scores are 1.

Registered in :data:`mpm.registry.KEYPOINT_CONVERTERS` under a layout name
(``'coco'``, ``'halpe'``, ``'h36m'``) and the class name; use
:func:`convert_keypoints` or :func:`build_keypoint_converter`.

COCO-17 (``'coco'``; 0 nose, 1 L eye, 2 R eye, 3 L ear, 4 R ear, 5 L shoulder,
6 R shoulder, 7 L elbow, 8 R elbow, 9 L wrist, 10 R wrist, 11 L hip,
12 R hip, 13 L knee, 14 R knee, 15 L ankle, 16 R ankle) -> Human3.6M-17:

==============  =========================================================
H36M joint      formula (COCO indices)
==============  =========================================================
0 pelvis        (11 L hip + 12 R hip) / 2
1-3 R leg       12 R hip, 14 R knee, 16 R ankle
4-6 L leg       11 L hip, 13 L knee, 15 L ankle
7 spine         (pelvis + thorax) / 2  = (5 + 6 + 11 + 12) / 4
8 thorax        (5 L shoulder + 6 R shoulder) / 2
9 neck/nose     0 nose
10 head         (1 L eye + 2 R eye) / 2
11-13 L arm     5 L shoulder, 7 L elbow, 9 L wrist
14-16 R arm     6 R shoulder, 8 R elbow, 10 R wrist
==============  =========================================================

Halpe-26 (``'halpe'``): indices 0-16 are COCO-17, then 17 head (top of the
head), 18 neck, 19 hip (mid-hip), 20-25 feet. Same formulas as COCO except
``10 head = 17 head`` (Halpe's head-top point is the Human3.6M head joint).
Pelvis and thorax stay the mid-hips and mid-shoulders (not Halpe's own
19 hip / 18 neck points) so that both layouts give the same torso.

MediaPipe Pose-33 (``'mediapipe'``, the landmarks of MediaPipe's pose
landmarker: 0 nose, 2 L eye, 5 R eye, 11 L shoulder, 12 R shoulder, 13 L
elbow, 14 R elbow, 15 L wrist, 16 R wrist, 23 L hip, 24 R hip, 25 L knee,
26 R knee, 27 L ankle, 28 R ankle, the others face, hand and foot points):
the COCO formulas on the same body points (pelvis = mid-hips 23/24, spine =
mean of 11/12/23/24, thorax = mid-shoulders 11/12, 9 = nose 0, 10 head = mid
eyes 2/5, limbs 23-28 and 11-16); scores are MediaPipe's visibilities.

Human3.6M-17 (``'h36m'``): identity (K must be 17).

Missing keypoints: an input keypoint whose ``x`` or ``y`` is not finite
(NaN, a JSON ``null``), or which sits exactly at ``(0, 0)`` (detectors write
``[0, 0, 0]`` for joints they did not find), is *missing*: its coordinates
become NaN and its score 0 before the conversion, so a joint derived from
it is NaN with score 0 too (never a mean that includes a fake corner
point). :func:`mpm.apis.lift` fills missing joints and passes them to the
model as hidden joints.

Scores: a copied joint keeps its score; a derived joint (pelvis, spine,
thorax, COCO head) gets the **minimum** of its source scores by default
(``score_reduce='min'``: a point built from several detections is only as
reliable as its worst one) or their mean (``score_reduce='mean'``).
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from mpm.registry import KEYPOINT_CONVERTERS

__all__ = [
    'KeypointConverter', 'COCOToH36M', 'HalpeToH36M', 'H36MIdentity',
    'MediaPipeToH36M', 'build_keypoint_converter', 'convert_keypoints',
    'mark_missing', 'LAYOUT_NUM_KEYPOINTS'
]

#: Keypoints per frame of each layout name.
LAYOUT_NUM_KEYPOINTS = {'coco': 17, 'halpe': 26, 'h36m': 17, 'mediapipe': 33}

#: COCO-17 sources of the Human3.6M-17 joints: H36M index -> COCO indices
#: (a joint with several sources is their mean).
_COCO_SOURCES: Dict[int, Tuple[int, ...]] = {
    0: (11, 12),
    1: (12,), 2: (14,), 3: (16,),
    4: (11,), 5: (13,), 6: (15,),
    7: (5, 6, 11, 12),
    8: (5, 6),
    9: (0,),
    10: (1, 2),
    11: (5,), 12: (7,), 13: (9,),
    14: (6,), 15: (8,), 16: (10,),
}
_HALPE_SOURCES = {**_COCO_SOURCES, 10: (17,)}
#: MediaPipe Pose-33 sources (same body points as COCO, other indices).
_MEDIAPIPE_SOURCES: Dict[int, Tuple[int, ...]] = {
    0: (23, 24),
    1: (24,), 2: (26,), 3: (28,),
    4: (23,), 5: (25,), 6: (27,),
    7: (11, 12, 23, 24),
    8: (11, 12),
    9: (0,),
    10: (2, 5),
    11: (11,), 12: (13,), 13: (15,),
    14: (12,), 15: (14,), 16: (16,),
}


def mark_missing(keypoints: np.ndarray) -> np.ndarray:
    """Mark the keypoints a detector did not find.

    Args:
        keypoints: (..., K, 3) ``[x, y, score]`` pixels, float.

    Returns:
        A float64 copy in which every keypoint with a non-finite ``x`` or
        ``y`` or with ``x == y == 0`` has ``x = y = NaN`` and score 0 (a
        non-finite score alone becomes 0 too).
    """
    kp = np.array(keypoints, dtype=np.float64)
    xy = kp[..., :2]
    missing = ~np.isfinite(xy).all(-1) | (xy == 0).all(-1)
    kp[missing, :2] = np.nan
    kp[missing, 2] = 0.0
    kp[~np.isfinite(kp[..., 2]), 2] = 0.0
    return kp


class KeypointConverter:
    """Map keypoints of one layout to Human3.6M-17 by source-mean formulas.

    Each output joint ``j`` is the mean of the input keypoints
    ``sources[j]``; its score is the min (or mean) of their scores. Missing
    input keypoints (:func:`mark_missing`) give NaN joints with score 0.

    Args:
        score_reduce: ``'min'`` (default) or ``'mean'``: score of a joint
            built from several sources.

    Call: ``(T, K, 3) [x, y, score]`` pixels (or ``(T, K, 2)``, scores 1) ->
    ``(keypoints (T, 17, 2) pixels, scores (T, 17))``, float64.
    """

    layout: str = ''
    num_keypoints: int = 0
    sources: Dict[int, Tuple[int, ...]] = {}

    def __init__(self, score_reduce: str = 'min'):
        if score_reduce not in ('min', 'mean'):
            raise ValueError(f"score_reduce must be 'min' or 'mean', got "
                             f'{score_reduce!r}.')
        self.score_reduce = score_reduce

    def check(self, keypoints) -> np.ndarray:
        """Validate and return ``(T, K, 3)`` float64 (scores 1 if absent)."""
        kp = np.asarray(keypoints, dtype=np.float64)
        if kp.ndim == 2 and kp.shape[-1] in (2, 3):
            raise ValueError(
                f"'{self.layout}' keypoints must be (T, K, 3) [x, y, score] "
                f'for a whole video, got {kp.shape}; add a frame axis '
                '(keypoints[None]) for a single frame.')
        if kp.ndim != 3 or kp.shape[-1] not in (2, 3):
            raise ValueError(
                f"'{self.layout}' keypoints must be (T, K, 3) [x, y, score] "
                f'pixels, got shape {kp.shape}.')
        if kp.shape[1] != self.num_keypoints:
            guess = [n for n, k in LAYOUT_NUM_KEYPOINTS.items()
                     if k == kp.shape[1]]
            hint = (f" (that fits layout {' / '.join(repr(g) for g in guess)})"
                    if guess else '')
            raise ValueError(
                f"layout '{self.layout}' has {self.num_keypoints} keypoints "
                f'per frame, got {kp.shape[1]}{hint}; choose the layout of '
                'your 2D detector.')
        if kp.shape[-1] == 2:
            kp = np.concatenate([kp, np.ones(kp.shape[:2] + (1,))], axis=-1)
        return kp

    def __call__(self, keypoints) -> Tuple[np.ndarray, np.ndarray]:
        kp = mark_missing(self.check(keypoints))
        T = kp.shape[0]
        out = np.empty((T, 17, 2), dtype=np.float64)
        scores = np.empty((T, 17), dtype=np.float64)
        reduce = np.min if self.score_reduce == 'min' else np.mean
        for joint, src in self.sources.items():
            src = list(src)
            out[:, joint] = kp[:, src, :2].mean(axis=1)
            scores[:, joint] = reduce(kp[:, src, 2], axis=1)
        scores[np.isnan(out).any(-1)] = 0.0
        return out, scores

    def __repr__(self) -> str:
        return f'{type(self).__name__}(score_reduce={self.score_reduce!r})'


@KEYPOINT_CONVERTERS.register_module(name=['coco', 'COCOToH36M'])
class COCOToH36M(KeypointConverter):
    """COCO-17 -> Human3.6M-17 (formulas in the module docstring).

    ``(T, 17, 3)`` pixels + scores -> ``((T, 17, 2), (T, 17))``.
    """
    layout = 'coco'
    num_keypoints = 17
    sources = _COCO_SOURCES


@KEYPOINT_CONVERTERS.register_module(name=['halpe', 'HalpeToH36M'])
class HalpeToH36M(KeypointConverter):
    """Halpe-26 -> Human3.6M-17: COCO formulas, head = Halpe 17 (head top).

    ``(T, 26, 3)`` pixels + scores -> ``((T, 17, 2), (T, 17))``.
    """
    layout = 'halpe'
    num_keypoints = 26
    sources = _HALPE_SOURCES


@KEYPOINT_CONVERTERS.register_module(
    name=['mediapipe', 'MediaPipeToH36M'])
class MediaPipeToH36M(KeypointConverter):
    """MediaPipe Pose-33 landmarks -> Human3.6M-17 (formulas in the module
    docstring; scores are the landmarks' visibilities).

    ``(T, 33, 3)`` pixels + scores -> ``((T, 17, 2), (T, 17))``.
    """
    layout = 'mediapipe'
    num_keypoints = 33
    sources = _MEDIAPIPE_SOURCES


@KEYPOINT_CONVERTERS.register_module(name=['h36m', 'H36MIdentity'])
class H36MIdentity(KeypointConverter):
    """Human3.6M-17 keypoints as they are: ``(T, 17, 3) -> ((T, 17, 2),
    (T, 17))``."""
    layout = 'h36m'
    num_keypoints = 17
    sources = {j: (j,) for j in range(17)}


def build_keypoint_converter(
        layout: Union[str, dict, KeypointConverter]) -> KeypointConverter:
    """A converter from a layout name (``'coco'``, ``'halpe'``,
    ``'mediapipe'``, ``'h36m'``),
    a config dict (``dict(type='coco', score_reduce='mean')``) or an
    instance (returned as is)."""
    if isinstance(layout, KeypointConverter):
        return layout
    cfg = dict(type=layout) if isinstance(layout, str) else dict(layout)
    return KEYPOINT_CONVERTERS.build(cfg)


def convert_keypoints(keypoints, layout: Union[str, dict] = 'coco',
                      score_reduce: Optional[str] = None
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Convert ``(T, K, 3) [x, y, score]`` pixels of ``layout`` to
    Human3.6M-17: ``(keypoints (T, 17, 2) pixels, scores (T, 17))``.

    Args:
        keypoints: array-like (T, K, 3) or (T, K, 2).
        layout: ``'coco'`` | ``'halpe'`` | ``'mediapipe'`` | ``'h36m'`` or a
            converter config.
        score_reduce: ``'min'`` / ``'mean'`` for derived joints (None: the
            converter's default, ``'min'``).
    """
    if isinstance(layout, str) and score_reduce is not None:
        layout = dict(type=layout, score_reduce=score_reduce)
    return build_keypoint_converter(layout)(keypoints)


def layout_names() -> Sequence[str]:
    """The layout names accepted by :func:`convert_keypoints`."""
    return tuple(LAYOUT_NUM_KEYPOINTS)
