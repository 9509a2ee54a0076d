"""Lifting speed of PyTorch and onnxruntime on this CPU, side by side.

    python tools/analysis_tools/onnx_speed.py CONFIG CHECKPOINT MODEL.onnx \
        [--batch-size 256] [--rounds 5] [--threads 2]

Runs the raw lifter (``mode='tensor'``, one window per output frame, no
flip averaging) and the exported graph on the same random batch of
(B, F, 17, 2) windows, alternating A B A B for ``--rounds`` rounds after
one warm-up each, both with ``--threads`` intra-op threads, and prints the
median frames per second of each and their ratio.
"""
import argparse
import statistics
import time

import torch

from mpm.apis import init_lifter
from mpm.apis.onnx_lifter import OnnxLifter


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('onnx')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    model = init_lifter(args.config, args.checkpoint)
    onnx_model = OnnxLifter(args.onnx, num_threads=args.threads)
    x = torch.rand(args.batch_size, onnx_model.num_frames, 17, 2) * 2 - 1

    def run_torch():
        with torch.no_grad():
            model(x, mode='tensor')

    def run_ort():
        onnx_model(x)

    times = {'pytorch': [], 'onnxruntime': []}
    run_torch()
    run_ort()
    for _ in range(args.rounds):
        for name, fn in (('pytorch', run_torch), ('onnxruntime', run_ort)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    fps = {k: args.batch_size / statistics.median(v)
           for k, v in times.items()}
    print(f'{args.config}: F = {onnx_model.num_frames}, batch '
          f'{args.batch_size}, {args.threads} thread(s), {args.rounds} '
          'alternating rounds (median)')
    for name, value in fps.items():
        print(f'  {name:12s} {value:10.1f} frames/s')
    ratio = fps['onnxruntime'] / fps['pytorch']
    print(f'  onnxruntime / pytorch = {ratio:.2f}')
    return fps


if __name__ == '__main__':
    main()
