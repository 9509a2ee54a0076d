"""Read the frames of a video file or of a folder of images.

Frames are read with OpenCV (``cv2``), which mmengine already installs
(``opencv-python``, whose wheel carries FFmpeg): video files of any
container and codec FFmpeg reads (``.mp4``, ``.avi``, ``.mov``, ``.mkv``,
``.webm`` ...) and images (``.jpg``, ``.png``, ``.bmp``, ``.tif``,
``.webp``). No other dependency.
"""
import os
import os.path as osp
import re
from typing import Iterator, List, Optional

import numpy as np

__all__ = ['FrameSource', 'open_frames', 'IMAGE_EXTENSIONS']

#: Image files a folder of frames may hold (others are ignored).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')


def _natural(name: str):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', name)]


class FrameSource:
    """The frames of a video file or a folder of images, in order.

    Iterating yields (H, W, 3) uint8 RGB frames; the source can be iterated
    again (the video is reopened).

    Attributes:
        path: the video file or folder.
        fps: frames per second (the video's; a folder: ``default_fps``).
        image_size: (width, height) pixels.
        num_frames: frames in the folder, or the count the video's header
            gives (the actual count is what iteration yields).

    Args:
        path: a video file or a folder of images (natural order of names:
            ``frame2.png`` before ``frame10.png``).
        default_fps: frame rate of a folder of images.
    """

    def __init__(self, path: str, default_fps: float = 25.0):
        import cv2
        self._cv2 = cv2
        self.path = os.fspath(path)
        self.files: Optional[List[str]] = None
        if osp.isdir(self.path):
            files = sorted((f for f in os.listdir(self.path)
                            if osp.splitext(f)[1].lower() in
                            IMAGE_EXTENSIONS), key=_natural)
            if not files:
                raise ValueError(
                    f"'{self.path}' holds no image frames "
                    f"({', '.join(IMAGE_EXTENSIONS)}).")
            self.files = [osp.join(self.path, f) for f in files]
            first = self._read_image(self.files[0])
            self.image_size = (first.shape[1], first.shape[0])
            self.fps = float(default_fps)
            self.num_frames = len(self.files)
            return
        if not osp.isfile(self.path):
            raise FileNotFoundError(f"Input '{self.path}' does not exist.")
        cap = cv2.VideoCapture(self.path)
        try:
            ok, frame = cap.read() if cap.isOpened() else (False, None)
            if not ok:
                raise ValueError(
                    f"'{self.path}' could not be read as a video (OpenCV / "
                    'FFmpeg found no decodable frame): check that the file '
                    'is a complete video, or convert it, e.g. ffmpeg -i IN '
                    '-c:v libx264 OUT.mp4.')
            self.image_size = (frame.shape[1], frame.shape[0])
            fps = cap.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if fps and np.isfinite(fps) and fps > 0 \
                else float(default_fps)
            self.num_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            cap.release()

    def _read_image(self, path: str) -> np.ndarray:
        image = self._cv2.imread(path, self._cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"'{path}' could not be read as an image.")
        return self._cv2.cvtColor(image, self._cv2.COLOR_BGR2RGB)

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.files is not None:
            for path in self.files:
                image = self._read_image(path)
                if (image.shape[1], image.shape[0]) != self.image_size:
                    raise ValueError(
                        f"'{path}' is {image.shape[1]}x{image.shape[0]} "
                        f'pixels but the first frame is {self.image_size[0]}'
                        f'x{self.image_size[1]}: the frames of one video '
                        'must have one size.')
                yield image
            return
        cap = self._cv2.VideoCapture(self.path)
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2RGB)
        finally:
            cap.release()


def open_frames(path: str, default_fps: float = 25.0) -> FrameSource:
    """A :class:`FrameSource` for a video file or a folder of images."""
    return FrameSource(path, default_fps)

