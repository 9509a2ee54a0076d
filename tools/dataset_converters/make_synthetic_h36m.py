"""Write the built-in synthetic Human3.6M set (VideoPose3D file format).

Example::

    python tools/dataset_converters/make_synthetic_h36m.py \\
        --out-dir data/synthetic_h36m

writes ``data_3d_h36m.npz`` (world metres, 32 joints),
``data_2d_h36m_gt.npz`` (exact projections, pixels) and
``data_2d_h36m_synthetic_det.npz`` (detector-like noisy 2D) for subjects
S1, S5, S6, S7, S8, S9, S11 with procedurally generated motions (walking,
sitting down, waving, squatting, turning, reaching), projected through the
real Human3.6M cameras. No download is needed. ``--h36m-size`` makes a set
as large as the real Human3.6M (for memory and speed benchmarks).
"""
import os.path as osp
import sys
import time

from mpm.datasets.synthetic.cli import generator_parser
from mpm.datasets.synthetic import (ACTIONS, DEFAULT_NUM_FRAMES, FPS,
                                    H36M_SIZE_NUM_FRAMES, SUBJECTS,
                                    generate_synthetic_h36m, sequence_names)


def parse_args(argv=None):
    parser = generator_parser(
        'Generate synthetic Human3.6M data in the VideoPose3D '
        'format (data_3d_h36m.npz, data_2d_h36m_gt.npz, '
        'data_2d_h36m_synthetic_det.npz).',
        'data/synthetic_h36m')
    size = parser.add_mutually_exclusive_group()
    size.add_argument('--num-frames', type=int, default=DEFAULT_NUM_FRAMES,
                      help=f'frames per sequence at {FPS:g} fps')
    size.add_argument('--h36m-size', action='store_true',
                      help=f'Human3.6M-sized set: {H36M_SIZE_NUM_FRAMES} '
                      'frames per sequence (84 sequences: 546k frames per '
                      'camera, 2.18M frame-camera pairs, like the real '
                      'dataset; ~20 s, ~1.4 GB of memory, ~770 MiB on disk)')
    parser.add_argument('--subjects', nargs='+', default=list(SUBJECTS),
                        choices=SUBJECTS, metavar='SUBJECT',
                        help=f'subjects, from {list(SUBJECTS)}')
    parser.add_argument('--actions', nargs='+', default=list(ACTIONS),
                        choices=ACTIONS, metavar='ACTION',
                        help=f'action categories, from {list(ACTIONS)}')
    parser.add_argument('--trials', type=int, default=2,
                        help="sequences per action: 'Walking', 'Walking 1', "
                        '...')
    parser.add_argument('--noise-px', type=float, default=3.0,
                        help='std of the detector jitter (pixels, scaled per '
                        'joint)')
    parser.add_argument('--outlier-rate', type=float, default=0.01,
                        help='fraction of detected joints displaced by '
                        '20-60 px')
    parser.add_argument('--swap-rate', type=float, default=0.002,
                        help='left/right limb swaps per frame and camera')
    parser.add_argument('--max-extra-frames', type=int, default=4,
                        help='detector 2D of about half the sequences is '
                        'up to this many frames longer than the 3D')
    parser.add_argument('--compress', action='store_true',
                        help='write with np.savez_compressed (slower, '
                        '~15%% smaller)')
    return parser.parse_args(argv)


def _size(path):
    return f'{osp.getsize(path) / 2**20:.1f} MiB'


def main(argv=None):
    args = parse_args(argv)
    num_frames = H36M_SIZE_NUM_FRAMES if args.h36m_size else args.num_frames
    if num_frames < 2 or args.trials < 1:
        sys.exit('error: --num-frames must be >= 2 and --trials >= 1.')
    t0 = time.time()
    paths = generate_synthetic_h36m(
        args.out_dir, seed=args.seed, num_frames=num_frames,
        subjects=args.subjects, actions=args.actions, trials=args.trials,
        noise_px=args.noise_px, outlier_rate=args.outlier_rate,
        swap_rate=args.swap_rate, max_extra_frames=args.max_extra_frames,
        compress=args.compress)
    elapsed = time.time() - t0
    seqs = [n for a in args.actions for n in sequence_names(a, args.trials)]
    n_seq = len(args.subjects) * len(seqs)
    print(f'Synthetic Human3.6M (seed {args.seed}) written in '
          f'{elapsed:.1f} s:')
    for key, label in (('3d', '3D poses   '), ('2d_gt', '2D gt      '),
                       ('2d_det', '2D detector')):
        print(f'  {label} {paths[key]} ({_size(paths[key])})')
    print(f'  subjects   {" ".join(args.subjects)}')
    print(f'  sequences  {n_seq} ({len(seqs)} per subject: '
          f'{", ".join(seqs)})')
    print(f'  frames     {num_frames} per sequence, {n_seq * num_frames} in '
          f'total ({n_seq * num_frames * 4} frame-camera pairs, 4 cameras, '
          f'{FPS:g} fps)')


if __name__ == '__main__':
    main()
