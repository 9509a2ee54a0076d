"""Throughput and memory of a config's model and data pipeline.

    python tools/analysis_tools/benchmark.py CONFIG [--data synthetic]
        [--data-root DIR] [--batch-size B] [--steps N] [--threads T]
        [--device cpu|cuda] [--json OUT] [--cfg-options k=v ...]

Measures
  train_samples_per_s  forward + backward + optimizer step (model.train_step
                       with the config's optimizer), on real batches;
  data_samples_per_s   the config's train dataloader alone (its workers);
  infer_frames_per_s   whole-sequence lifting: one window per frame, batched,
                       with the model's flip averaging;
  peak_rss_mb          peak resident memory of this process and its workers.
With ``--data synthetic`` the dataloaders read the built-in synthetic
Human3.6M (generated into --data-root if it is missing).
"""
import argparse
import json
import os.path as osp
import platform
import resource
import time

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mpm.registry import MODELS

SYNTHETIC_2D = 'data_2d_h36m_synthetic_det.npz'


def use_synthetic(cfg: Config, data_root: str) -> None:
    """Point every dataloader of ``cfg`` at the synthetic data (made if needed)."""
    if not osp.exists(osp.join(data_root, 'data_3d_h36m.npz')):
        from mpm.datasets.synthetic import generate_synthetic_h36m
        generate_synthetic_h36m(data_root)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key].dataset.update(data_root=data_root, file_2d=SYNTHETIC_2D)


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if platform.system() != 'Darwin' else 1 / 1024**2
    return round((own + children) * scale, 1)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_data(loader, batches: int) -> float:
    it = iter(loader)
    next(it)  # start the workers
    start, n = time.perf_counter(), 0
    for _ in range(batches):
        try:
            batch = next(it)
        except StopIteration:
            break
        n += len(batch['keypoints_2d'])
    return n / (time.perf_counter() - start)


def time_train(model, optim_wrapper, batches, device, steps: int) -> tuple:
    model.train()
    for batch in batches[:2]:  # warm-up
        model.train_step(batch, optim_wrapper)
    sync(device)
    times = []
    for i in range(steps):
        start = time.perf_counter()
        model.train_step(batches[i % len(batches)], optim_wrapper)
        sync(device)
        times.append(time.perf_counter() - start)
    batch_size = len(batches[0]['keypoints_2d'])
    mean = sum(times) / len(times)
    return batch_size / mean, mean


@torch.no_grad()
def time_inference(model, batches, device) -> float:
    model.eval()
    model.data_preprocessor(batches[0], False)
    frames, start = 0, time.perf_counter()
    for batch in batches:
        data = model.data_preprocessor(batch, False)
        model.predict_pose(data['inputs'])
        frames += len(batch['keypoints_2d'])
    sync(device)
    return frames / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--data', choices=['config', 'synthetic'],
                        default='config')
    parser.add_argument('--data-root', default='data/synthetic_h36m')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--data-batches', type=int, default=50)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--device', default=None)
    parser.add_argument('--json', default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.data == 'synthetic':
        use_synthetic(cfg, args.data_root)
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    init_default_scope(cfg.get('default_scope', 'mpm'))
    torch.manual_seed(0)

    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    data_sps = time_data(loader, args.data_batches)
    it = iter(loader)
    batches = [next(it) for _ in range(min(args.steps, 3) + 2)]

    model = MODELS.build(cfg.model).to(device)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    train_sps, step_s = time_train(model, optim_wrapper, batches, device,
                                   args.steps)
    infer_fps = time_inference(model, batches, device)

    result = dict(
        config=args.config,
        device=(torch.cuda.get_device_name() if device.startswith('cuda')
                else f'cpu ({torch.get_num_threads()} threads)'),
        batch_size=cfg.train_dataloader.batch_size,
        num_workers=cfg.train_dataloader.get('num_workers', 0),
        train_samples_per_s=round(train_sps, 2),
        train_step_s=round(step_s, 3),
        data_samples_per_s=round(data_sps, 1),
        data_to_train_ratio=round(data_sps / train_sps, 1),
        infer_frames_per_s=round(infer_fps, 1),
        peak_rss_mb=peak_rss_mb())
    width = max(map(len, result))
    print('\n'.join(f'{k:<{width}}  {v}' for k, v in result.items()))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
