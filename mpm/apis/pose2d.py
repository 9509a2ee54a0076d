"""Built-in offline 2D pose backend: MediaPipe Pose.

Needs the ``video`` extra: ``pip install -e '.[video]'`` (``mediapipe==
0.10.21``). Its pose detector and the "full" landmark model
(``model_complexity=1``) are files inside the mediapipe wheel, so nothing is
downloaded at run time. MediaPipe Pose follows one person: for several
people, run any multi-person detector and tracker and give
``tools/infer.py`` its keypoint file with track ids.

Output: per frame the 33 MediaPipe landmarks ``[u, v, visibility]`` in
pixels (layout ``'mediapipe'`` of :mod:`mpm.datasets.keypoint_layouts`,
which converts them to Human3.6M-17); a frame without a detected person is
all NaN.
"""
import contextlib
import os
import sys
import tempfile
from typing import Iterable

import numpy as np

__all__ = ['MediaPipePose2D', 'require_mediapipe', 'NUM_LANDMARKS']

NUM_LANDMARKS = 33


@contextlib.contextmanager
def _native_log_captured():
    """Send what native code (MediaPipe's C++ logging, TFLite) writes to the
    stderr file descriptor to a temporary file while the block runs: its
    start-up notes are nothing a user can act on. If the block raises, the
    captured text is added to the error."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode='w+b') as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        except Exception as err:
            os.dup2(saved, 2)
            log.seek(0)
            text = log.read().decode(errors='replace').strip()
            if text:
                raise type(err)(f'{err}\nMediaPipe log:\n{text}') from err
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def require_mediapipe():
    """Import mediapipe or raise ImportError naming the extra."""
    try:
        import mediapipe
    except ImportError as err:
        raise ImportError(
            "video input needs MediaPipe, which is not installed: pip "
            "install -e '.[video]' (or pip install 'mpm[video]', which "
            'installs mediapipe==0.10.21). Or run any 2D detector yourself '
            'and pass its keypoints (.json / .npy / .npz) as --input.'
        ) from err
    return mediapipe


class MediaPipePose2D:
    """MediaPipe Pose landmarks of one person per frame, in pixels.

    Args:
        static_image_mode: detect in every frame independently (True) or
            track between frames of a video (False, faster and smoother).
        min_detection_confidence: person-detection threshold in [0, 1].
        min_tracking_confidence: landmark-tracking threshold in [0, 1].

    Call: an (H, W, 3) uint8 RGB frame -> (33, 3) float64 ``[u, v,
    visibility]`` pixels, all NaN when no person is found. Use as a context
    manager (or call :meth:`close`) to free the graph.
    """

    def __init__(self, static_image_mode: bool = False,
                 min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        mp = require_mediapipe()
        # model_complexity=1 ("full") is the landmark model shipped inside
        # the wheel; 0 and 2 would be downloaded at run time.
        with _native_log_captured():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode, model_complexity=1,
                smooth_landmarks=True, enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        with _native_log_captured():
            return self._landmarks(frame)

    def _landmarks(self, frame: np.ndarray) -> np.ndarray:
        image = np.ascontiguousarray(frame)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f'MediaPipePose2D needs (H, W, 3) uint8 RGB '
                             f'frames, got {image.shape} {image.dtype}.')
        h, w = image.shape[:2]
        result = self._pose.process(image)
        out = np.full((NUM_LANDMARKS, 3), np.nan)
        if result.pose_landmarks is None:
            return out
        for i, lm in enumerate(result.pose_landmarks.landmark):
            out[i] = (lm.x * w, lm.y * h, lm.visibility)
        return out

    def detect(self, frames: Iterable[np.ndarray]) -> np.ndarray:
        """(T, 33, 3) landmarks of every frame of an iterable of frames."""
        with _native_log_captured():
            out = [self._landmarks(frame) for frame in frames]
        if not out:
            raise ValueError('no frames to detect poses in.')
        return np.stack(out)

    def close(self):
        self._pose.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
