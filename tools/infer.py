"""Lift 2D keypoints from any 2D detector to 3D poses (in-the-wild inference).

    python tools/infer.py --config CONFIG --checkpoint CKPT \
        --input keypoints.json --format coco --image-size 1920 1080 \
        --output out/ [--render] [--render-format gif|mp4] [--fps 25] \
        [--device cpu] [--batch-size 256] [--no-flip] \
        [--score-threshold 0.3] [--trust-checkpoint]

``--input``: a COCO-style JSON result list (``image_id``, ``keypoints``
``[x, y, score] * K``, ``score``; the best person per image, frames sorted by
``image_id``) or a ``.npy`` / ``.npz`` (T, K, 3) array, in the ``--format``
layout (``coco`` 17, ``halpe`` 26, ``h36m`` 17 keypoints).

Writes ``OUTPUT/poses_3d.npy``: (T, 17, 3) float32 Human3.6M-17 poses in
root-relative metres (camera frame: x right, y down, z away from the camera).
``--render`` also writes ``OUTPUT/animation.gif`` (2D input beside the 3D
skeleton; ``--render-format mp4`` writes ``animation.mp4`` when ffmpeg is on
the PATH). Prints the lifting speed in frames per second (model only, not
loading or rendering).

``--checkpoint`` is read with ``torch.load(weights_only=True)``; files that
need full unpickling are refused unless ``--trust-checkpoint`` is given (only
for files whose origin you trust). Without ``--checkpoint`` the model keeps
its random initial weights (for speed measurements only).
"""
import argparse
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

from mpm.apis import init_lifter, lift, load_keypoints
from mpm.datasets.keypoint_layouts import convert_keypoints


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Lift 2D detector keypoints of a video to 3D poses.')
    parser.add_argument('--config', required=True, help='model config file')
    parser.add_argument('--checkpoint', default=None,
                        help='weights (.pth); omitted: random weights')
    parser.add_argument('--input', required=True,
                        help='2D keypoints: COCO-style .json, .npy or .npz')
    parser.add_argument('--format', default='coco',
                        choices=['coco', 'halpe', 'h36m'],
                        help='keypoint layout of --input')
    parser.add_argument('--image-size', type=int, nargs=2, required=True,
                        metavar=('W', 'H'),
                        help='width and height of the video in pixels')
    parser.add_argument('--output', required=True, help='output folder')
    parser.add_argument('--render', action='store_true',
                        help='also write an animation of 2D input and 3D')
    parser.add_argument('--render-format', default='gif',
                        choices=['gif', 'mp4'],
                        help='animation file type (mp4 needs ffmpeg; falls '
                        'back to gif)')
    parser.add_argument('--fps', type=float, default=25.0,
                        help='frame rate of the animation')
    parser.add_argument('--device', default='cpu',
                        help="'cpu', 'cuda', 'cuda:0', ...")
    parser.add_argument('--batch-size', type=int, default=256,
                        help='windows per forward pass')
    parser.add_argument('--no-flip', action='store_true',
                        help='no flip averaging (about 2x faster)')
    parser.add_argument('--score-threshold', type=float, default=None,
                        help='joints below this score count as hidden for '
                        'models with an input mask vector (else kept)')
    parser.add_argument('--dilation', type=int, default=None,
                        help="frame step inside a window (default: the "
                        "config's test dilation, else 1)")
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full unpickling of --checkpoint')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit(f'error: --device {args.device} but CUDA is not available; '
                 'use --device cpu.')
    keypoints = load_keypoints(args.input, args.format)
    model = init_lifter(args.config, args.checkpoint, device=args.device,
                        trust_checkpoint=args.trust_checkpoint)
    T = keypoints.shape[0]
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    poses = lift(model, keypoints, tuple(args.image_size), layout=args.format,
                 batch_size=args.batch_size, flip=not args.no_flip,
                 score_threshold=args.score_threshold,
                 dilation=args.dilation)
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    os.makedirs(args.output, exist_ok=True)
    out_npy = osp.join(args.output, 'poses_3d.npy')
    np.save(out_npy, poses.astype(np.float32))
    print(f'lifted {T} frames in {elapsed:.3f} s: '
          f'{T / max(elapsed, 1e-9):.1f} frames/s '
          f'(device {args.device}, flip {"off" if args.no_flip else "on"}, '
          f'batch {args.batch_size})')
    print(f'3D poses (T, 17, 3) metres written to {out_npy}')
    if args.render:
        from mpm.visualization.animation import render_animation
        kp_h36m, _ = convert_keypoints(keypoints, args.format)
        path = render_animation(
            kp_h36m, poses,
            osp.join(args.output, f'animation.{args.render_format}'),
            fps=args.fps, image_size=tuple(args.image_size))
        print(f'animation written to {path}')
    return poses


if __name__ == '__main__':
    main()
