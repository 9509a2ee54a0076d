"""Temporal smoothing: acceleration error against MPJPE, per strength.

    python tools/analysis_tools/smoothing_tradeoff.py CONFIG CHECKPOINT \
        [--strengths 0 0.5 1 2 3 5 8] [--max-videos 16] [--no-flip] \
        [--json OUT]

Lifts every test video of the config's test set (whole sequences, as
``tools/infer.py`` does: :func:`mpm.apis.lift` on the 2D keypoints in
pixels) once, then smooths the root-relative poses with each strength
(:func:`mpm.apis.smoothing.smooth_poses`, Gaussian standard deviation in
frames) and prints, per strength, MPJPE (mm) and the acceleration error
(mm / frame^2, :func:`mpm.evaluation.functional.acceleration_error`) against
the ground truth, averaged over all frames of all videos, and how far the
BVH export moves the joints (:func:`mpm.utils.bvh.bvh_fit_error`: the
distance between the poses and the forward kinematics of the BVH fitted to
them, mm; lifted bone lengths vary from frame to frame, a BVH's cannot).
Strength 0 is the unsmoothed output. The ground truth's own BVH fit error is
printed for reference.
"""
import argparse
import json

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.apis import init_lifter, lift
from mpm.apis.smoothing import smooth_poses
from mpm.utils.camera import denormalize_screen, h36m_cameras
from mpm.evaluation.functional import acceleration_error, mpjpe
from mpm.registry import DATASETS
from mpm.utils.bvh import bvh_fit_error


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--strengths', type=float, nargs='+',
                        default=[0, 0.5, 1, 2, 3, 5, 8])
    parser.add_argument('--max-videos', type=int, default=16,
                        help='test videos used (every k-th, spread over '
                        'subjects, actions and cameras)')
    parser.add_argument('--no-flip', action='store_true')
    parser.add_argument('--json', default=None, help='write the table here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    init_default_scope('mpm')
    data_cfg = cfg.test_dataloader.dataset.copy()
    data_cfg['downsample'] = 1
    dataset = DATASETS.build(data_cfg)
    model = init_lifter(cfg, args.checkpoint)
    cameras = h36m_cameras()
    step = max(1, dataset.num_videos // args.max_videos)
    videos = list(range(0, dataset.num_videos, step))[:args.max_videos]
    preds, gts = [], []
    for v in videos:
        info = dataset.video_info[v]
        cam = cameras[info['subject']][info['camera']]
        kp2d, gt = dataset.get_video(v)
        pixels = denormalize_screen(np.asarray(kp2d, np.float64), cam.res_w,
                                    cam.res_h)
        preds.append(lift(model, pixels, (cam.res_w, cam.res_h),
                          layout='h36m', flip=not args.no_flip))
        gts.append(np.asarray(gt, np.float64))
    frames = sum(len(g) for g in gts)
    print(f'{len(videos)} test videos, {frames} frames ({args.config}, '
          f'flip {"off" if args.no_flip else "on"})')
    gt_fit = 1000 * np.concatenate([bvh_fit_error(g).ravel() for g in gts])
    print(f'BVH fit error of the ground truth: mean {gt_fit.mean():.2f} mm, '
          f'median {np.median(gt_fit):.2f}, 95th percentile '
          f'{np.percentile(gt_fit, 95):.2f}')
    print('| strength (frames) | MPJPE (mm) | accel. error (mm/frame^2) | '
          'BVH fit error (mm): mean / median / 95th pct. |')
    print('|---|---|---|---|')
    rows = []
    for s in args.strengths:
        err, acc, n_acc, fit = 0.0, 0.0, 0, []
        for pred, gt in zip(preds, gts):
            smoothed = smooth_poses(pred, s)
            err += 1000 * mpjpe(smoothed, gt).sum()
            a = 1000 * acceleration_error(smoothed, gt)
            acc += a.sum()
            n_acc += len(a)
            fit.append(1000 * bvh_fit_error(smoothed).ravel())
        fit = np.concatenate(fit)
        rows.append(dict(strength=s, mpjpe_mm=err / frames,
                         accel_mm_per_frame2=acc / n_acc,
                         bvh_fit_mm=dict(mean=fit.mean(),
                                         median=np.median(fit),
                                         p95=np.percentile(fit, 95))))
        print(f'| {s:g} | {err / frames:.2f} | {acc / n_acc:.3f} | '
              f'{fit.mean():.1f} / {np.median(fit):.1f} / '
              f'{np.percentile(fit, 95):.1f} |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, videos=len(videos),
                           frames=frames, rows=rows,
                           gt_bvh_fit_mm=dict(
                               mean=gt_fit.mean(), median=np.median(gt_fit),
                               p95=np.percentile(gt_fit, 95))), f, indent=1)
    return rows


if __name__ == '__main__':
    main()
