"""A short video made from one photograph: a slow pan and zoom over it, with
a few black frames (no person) in the middle.

    python tools/misc/photo_clip.py --out clip.mp4 [--image PHOTO] \
        [--frames 100] [--size 480 360] [--fps 25] [--blank 40 45]

Without ``--image`` the photograph is scikit-image's astronaut (shipped
inside the ``scikit-image`` package: nothing is downloaded). The clip lets
you try ``tools/infer.py --input clip.mp4`` (the video extra) without a
video of your own, and it is the clip behind the frames/s the README
reports. Frames ``--blank START STOP`` (STOP excluded) are black, so the
output shows how frames without a detection stay in place (NaN).
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError


def astronaut_path() -> str:
    """The path of scikit-image's astronaut photograph."""
    try:
        import skimage
    except ImportError as err:
        raise ImportError('the default photograph is scikit-image\'s '
                          'astronaut: pip install scikit-image, or pass '
                          '--image PHOTO.') from err
    return osp.join(osp.dirname(skimage.__file__), 'data', 'astronaut.png')


def make_clip(image: np.ndarray, out_path: str, frames: int = 100,
              size=(480, 360), fps: float = 25.0, blank=(40, 45)) -> str:
    """Write the clip.

    Args:
        image: (H, W, 3) uint8 BGR photograph.
        out_path: the ``.mp4`` to write (MPEG-4 part 2, OpenCV's writer).
        frames: number of frames.
        size: (width, height) of the clip in pixels.
        fps: frame rate.
        blank: frames ``blank[0]`` .. ``blank[1] - 1`` are black.

    Returns:
        ``out_path``.
    """
    w, h = (int(v) for v in size)
    if frames < 1 or w < 8 or h < 8:
        raise ValueError(f'need frames >= 1 and a size of at least 8x8, got '
                         f'{frames} frames of {w}x{h}.')
    img_h, img_w = image.shape[:2]
    # The largest crop of the clip's aspect ratio, zoomed in up to 1.3x and
    # panned sideways by up to 8% of the photograph.
    base_w = min(img_w, img_h * w / h)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    writer = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    for t in range(frames):
        zoom = 1.15 + 0.15 * np.sin(t / 15)
        cw = int(base_w / zoom)
        ch = int(cw * h / w)
        x0 = int(min(img_w - cw, 0.08 * img_w) * (0.5 + 0.5 * np.sin(t / 20)))
        y0 = int((img_h - ch) * 0.3)
        frame = cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (w, h))
        if blank[0] <= t < blank[1]:
            frame[:] = 0
        writer.write(frame)
    writer.release()
    return out_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='the .mp4 to write')
    parser.add_argument('--image', default=None,
                        help="photograph (default: scikit-image's astronaut)")
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--size', type=int, nargs=2, default=[480, 360],
                        metavar=('W', 'H'))
    parser.add_argument('--fps', type=float, default=25.0)
    parser.add_argument('--blank', type=int, nargs=2, default=[40, 45],
                        metavar=('START', 'STOP'),
                        help='black frames START .. STOP - 1')
    args = parser.parse_args(argv)
    try:
        path = args.image or astronaut_path()
        try:   # PIL, not cv2.imread: libpng would warn about the
            # astronaut's colour profile
            with Image.open(path) as photo:
                image = np.asarray(photo.convert('RGB'))[..., ::-1].copy()
        except (OSError, UnidentifiedImageError) as err:
            raise ValueError(f"'{path}' could not be read as an image: "
                             f'{err}') from err
        out = make_clip(image, args.out, args.frames, args.size, args.fps,
                        args.blank)
    except (ImportError, ValueError, FileNotFoundError) as err:
        sys.exit(f'error: {err}')
    print(f'wrote {out}: {args.frames} frames of {args.size[0]}x'
          f'{args.size[1]} at {args.fps:g} fps, frames {args.blank[0]}..'
          f'{args.blank[1] - 1} black')
    return out


if __name__ == '__main__':
    main()
