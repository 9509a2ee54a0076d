"""Write the built-in motion corpus (AMASS joint-file format).

Example::

    python tools/dataset_converters/make_motion_corpus.py \\
        --out-dir data/motion_corpus [--seed 0] [--num-sequences N]

writes ``motion_corpus_h36m_50fps.npz``: ``positions_3d`` (sequence
``<family>/<index>`` -> (T, 17, 3) world metres, Human3.6M-17, Z up, floor at
z = 0, 50 fps), per-frame family ``labels`` and ``metadata``. Read it with
``AmassDataset`` (``configs/_base_/datasets/motion_corpus.py``). The
families and how a sequence is made: ``mpm.datasets.synthetic.corpus``.
"""
import os.path as osp
import sys
import time

from mpm.datasets.synthetic.cli import generator_parser
from mpm.datasets.synthetic.corpus import (DEFAULT_NUM_SEQUENCES,
                                           MAIN_FAMILIES,
                                           generate_motion_corpus)


def parse_args(argv=None):
    parser = generator_parser(
        'Generate the built-in motion corpus (AMASS joint-file '
        'format, motion_corpus_h36m_50fps.npz).',
        'data/motion_corpus')
    parser.add_argument('--num-sequences', type=int,
                        default=DEFAULT_NUM_SEQUENCES,
                        help='sequences (16-26 s each), the '
                        f'{len(MAIN_FAMILIES)} families in turn')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.num_sequences < 1:
        sys.exit('error: --num-sequences must be >= 1.')
    t0 = time.time()
    path = generate_motion_corpus(args.out_dir, seed=args.seed,
                                  num_sequences=args.num_sequences)
    import numpy as np
    with np.load(path, allow_pickle=True) as f:
        pos = f['positions_3d'].item()
    frames = sum(len(p) for p in pos.values())
    print(f'Motion corpus (seed {args.seed}) written in '
          f'{time.time() - t0:.1f} s: {path} '
          f'({osp.getsize(path) / 2**20:.1f} MiB)')
    print(f'  {len(pos)} sequences, {frames} frames at 50 fps '
          f'({frames / 50 / 60:.1f} min), '
          f'{len({n.split("/")[0] for n in pos})} families')


if __name__ == '__main__':
    main()
