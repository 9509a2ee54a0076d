"""Training and inference speed and memory of configs, optionally against
the official P-STMO code on the same batches.

    python tools/analysis_tools/benchmark.py CONFIG [CONFIG ...]
        [--device cpu|cuda] [--data config|synthetic] [--data-root DIR]
        [--h36m-size] [--batch-size B] [--steps N] [--threads T]
        [--amp] [--compile] [--device-windows] [--official-root DIR]
        [--profile] [--json OUT]
        [--cfg-options k=v ...]

For each config (e.g. MPM stage I ``configs/mpm/pretrain_h36m_243f.py`` and
stage II ``configs/mpm/finetune_h36m_cpn_243f.py``, at the batch sizes of
their papers unless ``--batch-size``) it measures, on real batches of the
config's training set:

  train_step_s       median over --steps of one training step: forward,
                     backward and optimizer (model.train_step), device
                     synchronised; samples_per_s = batch / train_step_s;
  data_share         fraction of the step spent waiting for the batch
                     (DataLoader, or the on-device gather with
                     --device-windows / ``device_windows=True``), measured
                     in the same loop: data / (data + train);
  peak_gpu_mb        torch.cuda.max_memory_allocated (CUDA only);
  peak_host_mb       peak resident memory of this process and its workers;
  infer_frames_per_s whole-sequence lifting (one window per frame, batched,
                     flip averaging as configured): lifters only;
  epoch_s            one training epoch of the config's training set: its
                     number of steps x the measured median (data + train)
                     step. With ``--h36m-size`` the set is the
                     Human3.6M-sized synthetic set (generated into
                     ``<data-root>_h36m_size`` if missing: ~770 MiB, ~1.4 GB
                     of memory while it is made).

``--official-root DIR`` (a checkout of https://github.com/paTRICK-swk/P-STMO,
outside this repository) also times the official STMO model (``model/stmo.py``,
same depth, width, frames and strides as the config's lifter) on the same
batches, interleaved step by step with mpm's (A B A B), with its own
training loop (Adam with amsgrad, MPJPE on the sequence and the centre
frame), and prints ``official_step_s`` and ``speedup`` = official / mpm.
The official code is imported from DIR at run time, never copied.

``--compile`` also times an identical copy of the model whose
``train_step`` is ``torch.compile``'d (what MMEngine's ``compile`` option
does), interleaved with the eager one, and prints ``compiled_step_s`` and
``compile_speedup`` = eager / compiled (compilation is in the warm-up).

``--profile`` profiles one more training step (torch.profiler) and splits
its time into GEMMs (matrix products and convolutions, with their
achieved GFLOP/s), softmax, dropout masks, normalisation, the optimizer and
the rest, next to this machine's GEMM peak (``gemm_peak_gflops``: the best
of float32 square matrix products of 1024-2048, same threads), measured
right after.
"""
import argparse
import copy
import json
import os.path as osp
import platform
import resource
import statistics
import sys
import time
from functools import partial
from types import SimpleNamespace

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mpm.datasets import apply_device_windows
from mpm.engine.speed import apply_amp, apply_fused_optimizer
from mpm.registry import MODELS

SYNTHETIC_2D = 'data_2d_h36m_synthetic_det.npz'


def use_synthetic(cfg: Config, data_root: str, h36m_size: bool = False
                  ) -> None:
    """Point every dataloader of ``cfg`` at the synthetic data (made if
    needed; Human3.6M-sized with ``h36m_size``)."""
    if not osp.exists(osp.join(data_root, 'data_3d_h36m.npz')):
        from mpm.datasets.synthetic import (H36M_SIZE_NUM_FRAMES,
                                            generate_synthetic_h36m)
        kwargs = dict(num_frames=H36M_SIZE_NUM_FRAMES) if h36m_size else {}
        print(f'writing the synthetic set to {data_root} ...', flush=True)
        generate_synthetic_h36m(data_root, **kwargs)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            dataset = cfg[key].dataset
            if dataset.get('type') == 'DeviceWindowDataset':
                dataset = dataset.dataset
            dataset.update(data_root=data_root, file_2d=SYNTHETIC_2D)


def peak_host_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / 1024 if platform.system() != 'Darwin' else 1 / 1024**2
    return round((own + children) * scale, 1)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def batch_size_of(batch: dict) -> int:
    if 'window_index' in batch:
        return len(batch['window_index'])
    for key in ('keypoints_2d', 'keypoints_3d'):
        if key in batch:
            return len(batch[key])
    raise KeyError(f'cannot tell the batch size of a batch with keys '
                   f'{sorted(batch)}')


# ------------------------------------------------------------ official STMO
class OfficialSTMO:
    """The official P-STMO STMO model and its training step, imported from
    a checkout (``model/stmo.py``) with the sizes of an mpm lifter config.

    Args:
        root: the checkout's folder. model_cfg: mpm's ``PoseLifter`` config
            (encoder / trunk / decoder sizes are read from it).
        device: where to run.
    """

    def __init__(self, root: str, model_cfg: dict, device: str):
        if not osp.exists(osp.join(root, 'model', 'stmo.py')):
            raise FileNotFoundError(
                f'--official-root {root} has no model/stmo.py: give a '
                'checkout of https://github.com/paTRICK-swk/P-STMO.')
        temporal = model_cfg['trunk']['temporal']
        decoder = model_cfg['decoder']
        joints = model_cfg['encoder']['num_joints']
        if model_cfg['encoder']['embed_dim'] != 2 * temporal['embed_dim']:
            raise ValueError('the official STMO encoder is 2 x the trunk '
                             'width wide; this config differs.')
        args = SimpleNamespace(
            layers=temporal['depth'], channel=temporal['embed_dim'],
            d_hid=temporal['ffn_dim'], frames=temporal['num_frames'],
            stride_num=list(decoder['strides']), n_joints=joints,
            out_joints=joints)
        sys.path.insert(0, osp.abspath(root))
        try:
            from model.stmo import Model
        finally:
            sys.path.pop(0)
        self.model = Model(args).to(device).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3,
                                          amsgrad=True)
        self.frames = args.frames

    def train_step(self, inputs: torch.Tensor, target: torch.Tensor) -> float:
        """inputs (B, T, J, 2), target (B, T, J, 3) -> loss (official
        layout (B, 2, T, J, 1) in, MPJPE of the sequence and the centre)."""
        out, out_seq = self.model(inputs.permute(0, 3, 1, 2).unsqueeze(-1))
        out = out.permute(0, 2, 3, 4, 1).flatten(3)  # (B, 1, J, 3)
        out_seq = out_seq.permute(0, 2, 3, 4, 1).flatten(3)
        centre = target[:, self.frames // 2:self.frames // 2 + 1]
        loss = ((out_seq - target).norm(dim=-1).mean() +
                (out - centre).norm(dim=-1).mean())
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


def official_inputs(model, batch: dict):
    """The mpm batch as the official model's (inputs, target) on the
    model's device (after mpm's own preprocessing, flips included)."""
    data = model.data_preprocessor(batch, True)
    target = data['data_samples']['keypoints_3d'].clone()
    target[:, :, 0] = 0
    return data['inputs'], target


# ---------------------------------------------------------------- profiling
#: Profiler op names -> category of :func:`profile_step`'s breakdown.
OP_CATEGORIES = {
    'gemm': ('aten::mm', 'aten::addmm', 'aten::bmm', 'aten::baddbmm',
             'aten::mkldnn_convolution', 'aten::convolution_backward',
             'aten::_convolution'),
    'softmax': ('aten::_softmax', 'aten::_softmax_backward_data'),
    'dropout_masks': ('aten::random_', 'aten::ge', 'aten::lt',
                      'aten::where', 'aten::masked_fill',
                      'aten::masked_fill_'),
    'normalisation': ('aten::native_layer_norm',
                      'aten::native_layer_norm_backward',
                      'aten::native_batch_norm',
                      'aten::native_batch_norm_backward'),
}


def gemm_peak_gflops(device: str, sizes=(1024, 1536, 2048)) -> float:
    """Best float32 GFLOP/s of square matrix products on ``device``."""
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        torch.mm(a, b)
        sync(device)
        for _ in range(3):
            start = time.perf_counter()
            torch.mm(a, b)
            sync(device)
            best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    return round(best, 1)


def profile_step(model, optim_wrapper, batch, device) -> dict:
    """Seconds of one training step per category (self time of the ops;
    ``optimizer`` is the whole ``Optimizer.step``), and the GEMMs' GFLOP/s.
    """
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if device.startswith('cuda'):
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities, with_flops=True) as prof:
        model.train_step(batch, optim_wrapper)
        sync(device)
    events = prof.key_averages()
    use_cuda = device.startswith('cuda')

    def self_s(event):
        us = (event.self_device_time_total if use_cuda else
              event.self_cpu_time_total)
        return us / 1e6

    split = dict.fromkeys(list(OP_CATEGORIES) + ['optimizer', 'other'], 0.0)
    gemm_flops = 0
    optimizer_s = 0.0
    for event in events:
        if event.key.startswith('Optimizer.step#'):
            optimizer_s += (event.device_time_total if use_cuda else
                            event.cpu_time_total) / 1e6
            continue
        for category, names in OP_CATEGORIES.items():
            if event.key in names:
                split[category] += self_s(event)
                if category == 'gemm':
                    gemm_flops += event.flops or 0
                break
        else:
            split['other'] += self_s(event)
    # the optimizer's own ops were counted under 'other'
    split['other'] = max(split['other'] - optimizer_s, 0.0)
    split['optimizer'] = optimizer_s
    total = sum(split.values())
    result = {f'profile_{k}_s': round(v, 4) for k, v in split.items()}
    result['profile_total_s'] = round(total, 3)
    result['gemm_share'] = round(split['gemm'] / total, 3)
    if split['gemm'] > 0 and gemm_flops:
        result['gemm_gflops'] = round(gemm_flops / split['gemm'] / 1e9, 1)
    result['gemm_peak_gflops'] = gemm_peak_gflops(device)
    return result


# ---------------------------------------------------------------- measuring
def time_training(model, optim_wrapper, loader, device, steps: int,
                  rivals=None) -> dict:
    """Train ``steps`` steps (after 2 warm-up steps) reading batches from
    ``loader``. ``rivals``: ``{name: (prepare, run)}``; after each mpm step
    every rival runs on the same batch (interleaved): ``run(*prepare(batch))``
    with only ``run`` timed. Returns per-step seconds: ``data_s``,
    ``train_s`` and ``<name>_s`` per rival, and ``batch``."""
    rivals = rivals or {}
    model.train()
    it = iter(loader)

    def next_batch():
        nonlocal it
        try:
            return next(it)
        except StopIteration:
            it = iter(loader)
            return next(it)

    for _ in range(2):  # warm-up (and compilation)
        batch = next_batch()
        model.train_step(batch, optim_wrapper)
        for prepare, run in rivals.values():
            run(*prepare(batch))
    sync(device)
    times = dict(data_s=[], train_s=[], **{f'{n}_s': [] for n in rivals})
    for _ in range(steps):
        start = time.perf_counter()
        batch = next_batch()
        if 'window_index' in batch:  # the gather is the data time here
            batch = batch['windows'].gather(batch['window_index'], device)
            sync(device)
        got = time.perf_counter()
        model.train_step(batch, optim_wrapper)
        sync(device)
        end = time.perf_counter()
        times['data_s'].append(got - start)
        times['train_s'].append(end - got)
        for name, (prepare, run) in rivals.items():
            args = prepare(batch)
            sync(device)
            start = time.perf_counter()
            run(*args)
            sync(device)
            times[f'{name}_s'].append(time.perf_counter() - start)
    return dict(batch=batch_size_of(batch), **times)


@torch.no_grad()
def time_inference(model, loader, device, batches: int = 3) -> float:
    """Frames per second of whole-sequence lifting (one window per frame)."""
    model.eval()
    it = iter(loader)
    first = next(it)
    model.predict_pose(model.data_preprocessor(first, False)['inputs'])
    sync(device)
    frames, start = 0, time.perf_counter()
    for _ in range(batches):
        try:
            batch = next(it)
        except StopIteration:
            break
        data = model.data_preprocessor(batch, False)
        model.predict_pose(data['inputs'])
        frames += batch_size_of(batch)
    sync(device)
    return frames / (time.perf_counter() - start) if frames else float('nan')


def benchmark_config(path: str, args) -> dict:
    cfg = Config.fromfile(path)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.pop('init_cfg', None)  # speed does not need the weights
    device = args.device
    if args.device_windows:
        cfg.device_windows = True
    windows_on_device = apply_device_windows(cfg)
    if args.data == 'synthetic' or args.h36m_size:
        root = args.data_root + ('_h36m_size' if args.h36m_size else '')
        use_synthetic(cfg, root, args.h36m_size)
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    if not windows_on_device:
        cfg.train_dataloader.num_workers = args.workers
        cfg.train_dataloader.persistent_workers = args.workers > 0
    if args.amp:
        apply_amp(cfg, device)
    apply_fused_optimizer(cfg, device)
    init_default_scope(cfg.get('default_scope', 'mpm'))
    torch.manual_seed(0)

    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    model = MODELS.build(cfg.model).to(device)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    rivals = {}
    if args.compile:  # an identical copy, compiled as MMEngine's `compile`
        compiled = copy.deepcopy(model)
        compiled_optim = build_optim_wrapper(compiled, cfg.optim_wrapper)
        compiled.train_step = torch.compile(compiled.train_step)
        rivals['compiled'] = (lambda batch: (batch, compiled_optim),
                              compiled.train_step)
    if args.official_root:
        if cfg.model.get('type') != 'PoseLifter':
            print(f'{path}: not a lifter, the official model is not timed',
                  flush=True)
        else:
            official = OfficialSTMO(args.official_root, cfg.model, device)
            rivals['official'] = (partial(official_inputs, model),
                                  official.train_step)
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    timing = time_training(model, optim_wrapper, loader, device, args.steps,
                           rivals)
    step = statistics.median(timing['train_s'])
    whole = statistics.median(
        [d + t for d, t in zip(timing['data_s'], timing['train_s'])])
    steps_per_epoch = len(loader)
    result = dict(
        config=path,
        device=(torch.cuda.get_device_name() if device.startswith('cuda')
                else f'cpu ({torch.get_num_threads()} threads)'),
        batch_size=timing['batch'],
        amp=cfg.optim_wrapper.get('dtype', 'float32'),
        data_path='device windows' if windows_on_device else
        f'DataLoader ({cfg.train_dataloader.num_workers} workers)',
        train_step_s=round(step, 4),
        samples_per_s=round(timing['batch'] / step, 1),
        data_share=round(sum(timing['data_s']) /
                         (sum(timing['data_s']) + sum(timing['train_s'])), 4),
        peak_gpu_mb=(round(torch.cuda.max_memory_allocated() / 2**20, 1)
                     if device.startswith('cuda') else None),
        training_windows=len(loader.dataset),
        epoch_s=round(steps_per_epoch * whole, 1),
    )
    if 'compiled' in rivals:
        compiled_step = statistics.median(timing['compiled_s'])
        result.update(compiled_step_s=round(compiled_step, 4),
                      compile_speedup=round(step / compiled_step, 2))
    if 'official' in rivals:
        official_step = statistics.median(timing['official_s'])
        result.update(official_step_s=round(official_step, 4),
                      speedup=round(official_step / step, 2))
    if rivals and device.startswith('cuda'):
        result['peak_gpu_mb_all'] = result.pop('peak_gpu_mb')
    if args.profile:
        batch = next(iter(loader))
        if 'window_index' in batch:
            batch = batch['windows'].gather(batch['window_index'], device)
        model.train()
        result.update(profile_step(model, optim_wrapper, batch, device))
    if hasattr(model, 'predict_pose'):
        result['infer_frames_per_s'] = round(
            time_inference(model, loader, device), 1)
    result['peak_host_mb'] = peak_host_mb()
    return result


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='+', metavar='CONFIG')
    parser.add_argument('--device', default=None, choices=['cpu', 'cuda'],
                        help='default: cuda if available, else cpu')
    parser.add_argument('--data', choices=['config', 'synthetic'],
                        default='config')
    parser.add_argument('--data-root', default='data/synthetic_h36m')
    parser.add_argument('--h36m-size', action='store_true',
                        help='use (and make if missing) the Human3.6M-sized '
                        'synthetic set, for the epoch time')
    parser.add_argument('--batch-size', type=int, default=None,
                        help="default: the config's (the paper's)")
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--workers', type=int, default=4,
                        help='DataLoader workers (not with device windows)')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision as tools/train.py --amp')
    parser.add_argument('--compile', action='store_true',
                        help="also time a torch.compile'd copy of the model "
                        "(MMEngine's `compile`), interleaved with eager")
    parser.add_argument('--device-windows', action='store_true',
                        help='gather training windows on the device')
    parser.add_argument('--official-root', default=None,
                        help='checkout of paTRICK-swk/P-STMO to time '
                        'interleaved with mpm')
    parser.add_argument('--profile', action='store_true',
                        help='split one step into GEMMs, softmax, dropout '
                        'masks, norms, optimizer, other; GEMM peak')
    parser.add_argument('--json', default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA GPU is visible to PyTorch.')
    if args.steps < 1:
        parser.error('--steps must be >= 1.')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    for path in args.configs:
        result = benchmark_config(path, args)
        width = max(map(len, result))
        print('\n'.join(f'{k:<{width}}  {v}' for k, v in result.items()),
              flush=True)
        results.append(result)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results if len(results) > 1 else results[0], f,
                      indent=2)
    return results if len(results) > 1 else results[0]


if __name__ == '__main__':
    main()
