"""Convert a released P-STMO / MPM stage II checkpoint to mpm's format.

    python tools/model_converters/convert_official.py SRC \\
        --format pstmo|mpm --out DST.pth --out-config DST.py \\
        [--num-heads 8] [--strides 3 3 3] [--dilation N] \\
        [--dataset-config configs/_base_/datasets/h36m_cpn.py] \\
        [--trust-checkpoint]

SRC is the official ``state_dict`` file (``module.`` prefixes allowed).
Every size is read from the tensor shapes. DST.pth holds ``meta`` and
``state_dict`` (loads with ``torch.load(weights_only=True)``); DST.py builds
the matching ``PoseLifter`` with ``compat='official'`` and the dataset of
``--dataset-config`` with the window length of the checkpoint, so that

    python tools/test.py DST.py DST.pth

evaluates it. Unknown or missing keys stop the conversion with their list.
Example (P-STMO, 243 frames, 42.88 mm)::

    python tools/model_converters/convert_official.py \\
        checkpoint/PSTMO_no_refine_11_4288.pth --format pstmo \\
        --out work_dirs/official/pstmo_243f.pth \\
        --out-config work_dirs/official/pstmo_243f.py
"""
import argparse
import sys

from mpm.engine.checkpoint import CheckpointLoadError
from mpm.models.converters.official import (FORMATS, OfficialCheckpointError,
                                            convert_official_checkpoint)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an official P-STMO / MPM stage II checkpoint '
        'to an mpm checkpoint and config.')
    parser.add_argument('src', help='official checkpoint (.pth state_dict)')
    parser.add_argument('--format', required=True, choices=FORMATS,
                        help='key names of the file: pstmo (encoder., '
                        'Transformer.) or mpm (encoder2d., shared_layers_*)')
    parser.add_argument('--out', required=True, help='output checkpoint')
    parser.add_argument('--out-config', help='output config (.py)')
    parser.add_argument('--num-heads', type=int, default=8,
                        help='attention heads (not stored in the file; 8 in '
                        'the official code)')
    parser.add_argument('--strides', type=int, nargs='+',
                        help='decoder strides, if the frames are not '
                        '3 ** (strided layers)')
    parser.add_argument('--dilation', type=int,
                        help='frame step inside a window for the written '
                        'config (default: 2 at 243 frames, else 1)')
    parser.add_argument('--dataset-config',
                        help='dataset _base_ file for the written config '
                        '(default: configs/_base_/datasets/h36m_cpn.py)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full unpickling of SRC (only for files '
                        'whose origin you trust: unpickling can run code)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = convert_official_checkpoint(
            args.src, args.format, args.out, args.out_config,
            num_heads=args.num_heads, strides=args.strides,
            dataset_config=args.dataset_config, dilation=args.dilation,
            trust=args.trust_checkpoint)
    except (FileNotFoundError, CheckpointLoadError,
            OfficialCheckpointError) as err:
        print(f'convert_official.py: {err}', file=sys.stderr)
        raise SystemExit(1) from err
    spec = result['spec']
    print(f'sizes: J={spec.num_joints} F={spec.num_frames} '
          f'C={spec.embed_dim} C2={spec.encoder_dim} '
          f'blocks={spec.num_blocks} trunk L={spec.trunk_depth} '
          f'H={spec.trunk_ffn_dim} decoder strides={list(spec.strides)} '
          f'H={spec.decoder_ffn_dim} heads={spec.num_heads}')
    if result['dropped']:
        print('dropped (never applied by the official model): ' +
              ', '.join(result['dropped']))
    if result['filled']:
        print('filled with 0 (absent in the file): ' +
              ', '.join(result['filled']))
    print(f'checkpoint: {result["checkpoint"]}')
    if result['config']:
        print(f'config: {result["config"]}')
    return result


if __name__ == '__main__':
    main()
