"""Lift a video, or 2D keypoints from any detector, to 3D motion.

    python tools/infer.py --config CONFIG --checkpoint CKPT \
        --input VIDEO.mp4|DIR_OF_FRAMES|KEYPOINTS.json|.npy|.npz \
        --output out/ [--format coco|halpe|mediapipe|h36m] [--image-size W H] \
        [--track-field auto|none|NAME] [--first-frame-id 0] \
        [--focal-length F | --fov DEG] [--smooth S] \
        [--export json csv bvh] [--render] [--render-format gif|mp4] \
        [--fps FPS] [--backend pytorch|onnxruntime] [--device cpu] \
        [--threads N] [--batch-size 256] [--no-flip] [--score-threshold 0.3] \
        [--dilation D] [--trust-checkpoint]

``--input``:
  - a video file (any FFmpeg-readable container) or a folder of frames
    (images in natural name order): MediaPipe Pose (the ``video`` extra,
    ``pip install -e '.[video]'``; its models ship inside the wheel) finds
    one person per frame; the image size and fps come from the video.
  - a COCO-style JSON result list (``image_id``, ``keypoints`` ``[x, y,
    score] * K``, ``score``; optional track ids ``track_id`` / ``idx``), or
    a ``.npy`` / ``.npz`` (T, K, 3) array (one person) or (P, T, K, 3)
    array (P tracks), in the ``--format`` layout (``coco`` 17, ``halpe``
    26, ``mediapipe`` 33, ``h36m`` 17 keypoints); needs ``--image-size``.
    Integer image ids, or the numbers in file-name ids (``'12.jpg'``), are
    frame indices (``--first-frame-id``: the number of frame 0).

Outputs (T = frames of the video; NaN / null / empty where the person has no
detection):
  - one person: ``OUTPUT/poses_3d.npy`` (T, 17, 3) float32 Human3.6M-17
    root-relative metres, camera axes (x right, y down, z away from the
    camera); ``OUTPUT/poses_3d_camera.npy`` (T, 17, 3) metres in the camera
    frame (root depth solved in closed form from the 2D rays and the lifted
    skeleton, with ``--focal-length`` pixels, default from a 60 degree
    horizontal field of view, ``--fov``); ``keypoints_2d.npy``; ``meta.json``
    (units, frames, fps, focal length).
  - tracks (a track field or a (P, T, K, 3) array): the same files under
    ``OUTPUT/track_<id>/``, each track lifted with its own windows.
  - ``--export json csv bvh``: ``motion.json``, ``motion.csv``,
    ``motion.bvh`` beside them (BVH: 17 joints, metres, Y up, opens in
    Blender: File > Import > Motion Capture (.bvh)).
  - ``--render``: ``animation.gif`` (or ``.mp4`` when ffmpeg exists) of the
    video frame (when there is one) with the 2D skeleton beside the 3D one.

Missing keypoints (NaN, null, (0, 0)) and frames without detection are
filled in time for the lifter and passed as hidden joints (models with an
input mask vector) or used as filled (a warning says how many). ``--smooth
S`` smooths the 3D poses in time (Gaussian, S frames; off by default).

``--backend onnxruntime`` runs ``--checkpoint model.onnx`` made by
``tools/deployment/export_onnx.py`` (the ``onnx`` extra).

Prints the speed of the 2D stage (video decoding + MediaPipe, or reading the
keypoint file), the lifting and the rendering separately, in frames per
second.

``--checkpoint`` is required. A ``.pth`` is read with
``torch.load(weights_only=True)``; files that need full unpickling are
refused unless ``--trust-checkpoint`` is given (only for files whose origin
you trust).
"""
import argparse
import contextlib
import os
import os.path as osp
import sys
import time
import warnings

import numpy as np
import torch

from mpm.apis import init_lifter, load_tracks
from mpm.apis.camera_space import DEFAULT_FOV_DEG, default_focal_length
from mpm.apis.keypoint_files import KeypointTracks
from mpm.apis.motion import EmptyTrackError, lift_track
from mpm.apis.motion_export import EXPORT_FORMATS, save_motion
from mpm.datasets.keypoint_layouts import LAYOUT_NUM_KEYPOINTS

KEYPOINT_EXTENSIONS = ('.json', '.npy', '.npz')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Lift a video or 2D detector keypoints to 3D motion.')
    parser.add_argument('--config', required=True, help='model config file')
    parser.add_argument('--checkpoint', required=True,
                        help='weights (.pth), or the .onnx file with '
                        '--backend onnxruntime')
    parser.add_argument('--input', required=True,
                        help='a video file, a folder of frames, or 2D '
                        'keypoints (COCO-style .json, .npy, .npz)')
    parser.add_argument('--format', default=None,
                        choices=sorted(LAYOUT_NUM_KEYPOINTS),
                        help='keypoint layout of a keypoint --input '
                        "(default coco; videos use MediaPipe's 'mediapipe')")
    parser.add_argument('--image-size', type=int, nargs=2, default=None,
                        metavar=('W', 'H'),
                        help='width and height of the video in pixels '
                        '(required for keypoint files)')
    parser.add_argument('--output', required=True, help='output folder')
    parser.add_argument('--track-field', default='auto',
                        help="JSON field with the track id: 'auto' "
                        "(track_id, else idx, else one person), 'none' (the "
                        'best detection per image) or a field name')
    parser.add_argument('--first-frame-id', type=int, default=0,
                        help='frame number (integer image_id, or the number '
                        'in file-name ids) of the first video frame')
    parser.add_argument('--focal-length', type=float, default=None,
                        help='focal length in pixels for the camera-space '
                        'poses (default: from --fov)')
    parser.add_argument('--fov', type=float, default=DEFAULT_FOV_DEG,
                        help='horizontal field of view in degrees used when '
                        '--focal-length is not given')
    parser.add_argument('--smooth', type=float, default=0.0,
                        help='temporal smoothing strength (Gaussian standard '
                        'deviation in frames; 0 = off)')
    parser.add_argument('--export', nargs='+', default=[],
                        choices=sorted(EXPORT_FORMATS),
                        help='also write motion.json / motion.csv / '
                        'motion.bvh per person')
    parser.add_argument('--render', action='store_true',
                        help='also write an animation of 2D input and 3D')
    parser.add_argument('--render-format', default='gif',
                        choices=['gif', 'mp4'],
                        help='animation file type (mp4 needs ffmpeg; falls '
                        'back to gif)')
    parser.add_argument('--fps', type=float, default=None,
                        help="frame rate (default: the video's, else 25)")
    parser.add_argument('--backend', default='pytorch',
                        choices=['pytorch', 'onnxruntime'],
                        help='run the lifter with PyTorch or onnxruntime')
    parser.add_argument('--device', default='cpu',
                        help="'cpu', 'cuda', 'cuda:0', ... (pytorch backend)")
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads of the lifter (PyTorch intra-op '
                        "threads, or onnxruntime's); default: the "
                        "library's own (all cores). 1 is often faster on a "
                        'busy machine')
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


def _print_warning(message, category, filename, lineno, file=None,
                   line=None):
    """Show a warning of the run as one ``note:`` line on stderr, without
    the source line Python would print (installed when run as a script)."""
    print(f'note: {message}', file=sys.stderr)


@contextlib.contextmanager
def _warnings_of_track(name):
    """Warnings raised in the block are re-raised after it with ``track
    NAME: `` in front (when ``name`` is not None), so that the notes of
    several tracks say which track they are about."""
    prefix = '' if name is None else f'track {name}: '
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            yield
    finally:
        for item in caught:
            warnings.warn(f'{prefix}{item.message}', item.category)


def _fail(message: str):
    sys.exit(f'error: {message}')


def _is_keypoint_file(path: str) -> bool:
    return osp.splitext(path)[1].lower() in KEYPOINT_EXTENSIONS


def read_input(args):
    """-> (KeypointTracks, layout, image_size, fps, frames or None)."""
    if _is_keypoint_file(args.input):
        if args.image_size is None:
            _fail(f'--input {args.input} is a keypoint file: pass the video '
                  'size with --image-size W H (pixels).')
        layout = args.format or 'coco'
        track_field = None if args.track_field == 'none' else \
            args.track_field
        start = time.perf_counter()
        tracks = load_tracks(args.input, layout, track_field=track_field,
                             first_frame_id=args.first_frame_id)
        elapsed = time.perf_counter() - start
        print(f'2D stage (keypoints read from {osp.basename(args.input)}): '
              f'{tracks.num_frames} frames, {len(tracks.keypoints)} '
              f'track(s) in {elapsed:.2f} s: '
              f'{tracks.num_frames / max(elapsed, 1e-9):.0f} frames/s')
        return tracks, layout, tuple(args.image_size), args.fps or 25.0, None
    from mpm.apis.pose2d import MediaPipePose2D
    from mpm.apis.video import open_frames
    if args.format not in (None, 'mediapipe'):
        _fail(f'--format {args.format} is for keypoint files; a video is '
              "read by MediaPipe (layout 'mediapipe').")
    frames = open_frames(args.input, default_fps=args.fps or 25.0)
    if args.image_size is not None and \
            tuple(args.image_size) != frames.image_size:
        _fail(f'--image-size {args.image_size[0]} {args.image_size[1]} but '
              f'{args.input} is {frames.image_size[0]}x'
              f'{frames.image_size[1]}; leave --image-size out for videos.')
    start = time.perf_counter()
    with MediaPipePose2D() as detector:
        landmarks = detector.detect(frames)
    elapsed = time.perf_counter() - start
    found = np.isfinite(landmarks[..., 0]).any(-1)
    if not found.any():
        _fail(f'MediaPipe found no person in any of the {len(landmarks)} '
              f'frames of {args.input}; check that a whole person is '
              'visible, or run another 2D detector and pass its keypoints.')
    print(f'2D stage (decode + MediaPipe Pose): {len(landmarks)} frames in '
          f'{elapsed:.2f} s: {len(landmarks) / max(elapsed, 1e-9):.1f} '
          f'frames/s; a person in {int(found.sum())} of them')
    tracks = KeypointTracks({'0': landmarks}, tracked=False)
    return tracks, 'mediapipe', frames.image_size, args.fps or frames.fps, \
        frames


def build_model(args):
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        _fail(f'--device {args.device} but CUDA is not available; use '
              '--device cpu.')
    if args.backend == 'onnxruntime':
        from mmengine.config import Config
        from mpm.apis.onnx_lifter import OnnxLifter
        if not args.checkpoint.endswith('.onnx'):
            _fail('--backend onnxruntime runs an .onnx file: pass '
                  '--checkpoint model.onnx (made by tools/deployment/'
                  'export_onnx.py).')
        model = OnnxLifter(args.checkpoint, num_threads=args.threads)
        model.cfg = Config.fromfile(args.config)
        return model
    if args.checkpoint.endswith('.onnx'):
        _fail('--checkpoint is an .onnx file: add --backend onnxruntime.')
    if args.threads:
        torch.set_num_threads(args.threads)
    return init_lifter(args.config, args.checkpoint, device=args.device,
                       trust_checkpoint=args.trust_checkpoint)


def main(argv=None):
    args = parse_args(argv)
    try:
        focal = args.focal_length
        if focal is not None and not focal > 0:
            raise ValueError(f'--focal-length must be > 0 pixels, got '
                             f'{focal}.')
        if args.threads is not None and args.threads < 1:
            raise ValueError(f'--threads must be >= 1, got {args.threads}.')
        tracks, layout, image_size, fps, frames = read_input(args)
        if focal is None:
            focal = default_focal_length(image_size, args.fov)
        model = build_model(args)
    except (ValueError, KeyError, ImportError, FileNotFoundError) as err:
        _fail(str(err))
    motions = {}
    lifted = 0
    start = time.perf_counter()
    for name, keypoints in tracks.keypoints.items():
        try:
            with _warnings_of_track(name if tracks.tracked else None):
                motions[name] = lift_track(
                    model, keypoints, image_size, layout=layout, name=name,
                    focal_length=focal, smoothing=args.smooth, fps=fps,
                    batch_size=args.batch_size, flip=not args.no_flip,
                    score_threshold=args.score_threshold,
                    dilation=args.dilation)
        except EmptyTrackError as err:
            if len(tracks.keypoints) == 1:
                _fail(str(err))
            warnings.warn(f'{err} It is left out.', UserWarning)
            continue
        except ValueError as err:
            _fail(str(err))
        detected = np.flatnonzero(motions[name].detected)
        lifted += int(detected[-1] - detected[0] + 1)
    if not motions:
        _fail(f'none of the {len(tracks.keypoints)} tracks of {args.input} '
              'has a detected joint (all keypoints are NaN, null or (0, '
              '0)); check the keypoint file.')
    if args.device.startswith('cuda'):
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    print(f'lifted {lifted} frames in {elapsed:.3f} s: '
          f'{lifted / max(elapsed, 1e-9):.1f} frames/s '
          f'({len(motions)} track(s), backend {args.backend}, device '
          f'{args.device if args.backend == "pytorch" else "cpu"}, flip '
          f'{"off" if args.no_flip else "on"}, batch {args.batch_size}, '
          f'threads {args.threads or "default"}, '
          f'smoothing {args.smooth:g})')
    os.makedirs(args.output, exist_ok=True)
    render_time, rendered = 0.0, 0
    for name, motion in motions.items():
        out_dir = (osp.join(args.output, f'track_{name}') if tracks.tracked
                   else args.output)
        paths = save_motion(motion, out_dir, args.export)
        exported = ', '.join(osp.basename(paths[e]) for e in args.export)
        print(f"{'track ' + name + ': ' if tracks.tracked else ''}"
              f'poses_3d.npy (T, 17, 3) root-relative metres and '
              f'poses_3d_camera.npy camera-frame metres (x right, y down, '
              f'z forward; f = {motion.focal_length:.0f} px), '
              f'{int(motion.detected.sum())} of {motion.num_frames} frames '
              f'detected, in {out_dir}'
              + (f'; exported {exported}' if exported else ''))
        if args.render:
            from mpm.visualization.animation import render_animation
            start = time.perf_counter()
            path = render_animation(
                motion.keypoints_2d, motion.poses_3d,
                osp.join(out_dir, f'animation.{args.render_format}'),
                fps=fps, image_size=image_size, frames=frames,
                title=f'track {name}' if tracks.tracked else None)
            render_time += time.perf_counter() - start
            rendered += motion.num_frames
            print(f'animation written to {path}')
    if args.render:
        print(f'rendered {rendered} frames in {render_time:.2f} s: '
              f'{rendered / max(render_time, 1e-9):.1f} frames/s')
    if not tracks.tracked:
        return motions['0'].poses_3d
    return {name: m.poses_3d for name, m in motions.items()}


if __name__ == '__main__':
    warnings.showwarning = _print_warning
    main()
