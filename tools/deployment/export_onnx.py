"""Export a trained lifter to ONNX and check it against PyTorch.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--frames F] [--batch-size 64] [--trust-checkpoint]

The graph takes ``keypoints_2d`` (B, F, 17, 2) normalised screen
coordinates (B dynamic) and returns what the lifter returns with
``mode='tensor'``: ``final`` (B, 1, 17, 3) metres first, then ``sequence``
(B, F, 17, 3). After writing the file the script runs onnxruntime and
PyTorch on the same random batch and prints the max absolute difference of
every output; it exits with an error when one is 1e-4 or more. Use the file
with ``tools/infer.py --backend onnxruntime --checkpoint model.onnx``.

Needs the onnx extra: ``pip install -e '.[onnx]'``.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mpm.apis import init_lifter
from mpm.apis.onnx_lifter import OnnxLifter, export_onnx, onnx_parity

TOLERANCE = 1e-4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a lifter to ONNX and check it with onnxruntime.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='weights (.pth)')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument('--frames', type=int, default=None,
                        help="window length F (default: the model's)")
    parser.add_argument('--batch-size', type=int, default=64,
                        help='windows in the parity check batch')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full unpickling of CHECKPOINT')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = init_lifter(args.config, args.checkpoint,
                        trust_checkpoint=args.trust_checkpoint)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    try:
        export_onnx(model, args.out, frames=args.frames, opset=args.opset)
    except (ValueError, ImportError) as err:
        sys.exit(f'error: {err}')
    onnx_model = OnnxLifter(args.out)
    torch.manual_seed(0)
    x = torch.rand(args.batch_size, onnx_model.num_frames, 17, 2) * 2 - 1
    diffs = onnx_parity(model, onnx_model, x)
    size = osp.getsize(args.out) / 2**20
    print(f'wrote {args.out} ({size:.1f} MiB): input keypoints_2d '
          f'(B, {onnx_model.num_frames}, 17, 2), outputs '
          f"{', '.join(n for n in ('final', 'sequence')[:len(diffs)])}")
    print('onnxruntime vs PyTorch, max abs difference (m): ' + ', '.join(
        f'{n} {d:.2e}' for n, d in zip(('final', 'sequence'), diffs)))
    if max(diffs) >= TOLERANCE:
        sys.exit(f'error: the ONNX outputs differ from PyTorch by '
                 f'{max(diffs):.2e} >= {TOLERANCE}.')
    return diffs


if __name__ == '__main__':
    main()
