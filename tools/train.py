"""Train a model from a config (OpenMMLab command line).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]]
        [--amp] [--compile] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm] [--trust-checkpoint]

Multi-process: tools/dist_train.sh CONFIG N (torchrun; gloo on CPU).

Speed options (mpm.engine.speed, chosen by the training device):
``--amp`` is bfloat16 autocast on CPUs and on GPUs with bf16, float16 with a
dynamic grad scaler on older GPUs; Adam / AdamW / SGD run their fused kernel
unless the config sets ``optimizer.fused`` or ``foreach``; ``--compile``
(CUDA only) turns on MMEngine's ``torch.compile``; ``device_windows = True``
in a config gathers training windows on the device
(mpm.datasets.device_windows).

Before anything is built the work dir is checked to be writable. Every
checkpoint is written atomically and carries the RNG states and model
counters (``ResumeStateHook``), so ``--resume`` continues a killed or
interrupted run exactly where its last checkpoint left it (a corrupt
latest checkpoint is skipped for the newest intact one, with a warning;
temporary files of a killed save are removed). Ctrl-C stops
training with a message naming the last checkpoint and the command that
resumes it (exit status 130).
"""
import argparse
import logging
import shlex
import sys
import os.path as osp

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

from mpm.datasets import apply_device_windows
from mpm.engine import (add_resume_state_hook, apply_mmengine_patches,
                        check_work_dir, find_last_checkpoint,
                        remove_stale_temp_files)
from mpm.engine.speed import (AmpUnavailableError, apply_amp, apply_compile,
                              apply_fused_optimizer, training_device)
from mpm.utils.config import add_common_args, load_config

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mpm model')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no PATH is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: bf16 autocast on CPUs and '
                        'GPUs with bf16, fp16 + grad scaler on other GPUs')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the train step (CUDA only)')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    cfg = load_config(args)
    device = training_device()
    if args.amp:
        try:
            apply_amp(cfg, device)
        except AmpUnavailableError as err:
            sys.exit(f'error: {err}')
    if args.compile:
        try:
            apply_compile(cfg, device)
        except ValueError as err:
            sys.exit(f'error: {err}')
    apply_fused_optimizer(cfg, device)
    apply_device_windows(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        # The newest intact checkpoint (None: MMEngine starts afresh).
        cfg.load_from = find_last_checkpoint(cfg.work_dir, verify=True)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.launcher != 'none':
        # Every rank draws its own masks / dropout / flips (MMEngine seeds
        # all ranks alike unless asked); the data sampler stays shared.
        randomness = dict(cfg.get('randomness') or {})
        randomness.setdefault('diff_rank_seed', True)
        cfg.randomness = randomness
    add_resume_state_hook(cfg)
    return cfg


def resume_command(args, work_dir: str) -> str:
    """The command line that resumes this run from its work dir."""
    parts = [sys.executable, 'tools/train.py', args.config, '--work-dir',
             work_dir, '--resume']
    if args.amp:
        parts.append('--amp')
    if args.compile:
        parts.append('--compile')
    if args.cfg_options:
        parts.append('--cfg-options')
        parts += [f'{k}={v}' for k, v in args.cfg_options.items()]
    return ' '.join(shlex.quote(str(p)) for p in parts)


def caused_by_interrupt(err: BaseException) -> bool:
    """True when ``err`` is, or was raised while handling, a Ctrl-C.

    MMEngine turns some exceptions into others on the way out (e.g.
    ``Config.pretty_text``, called while a checkpoint is saved, re-raises any
    error as ``SyntaxError``), so the ``KeyboardInterrupt`` may sit in the
    chain of causes rather than on top.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def report_interrupt(args, cfg: Config) -> None:
    """Say where training stopped and how to resume (after Ctrl-C)."""
    last = find_last_checkpoint(cfg.work_dir)
    if last is None:
        where = ('No checkpoint was saved yet; running the same command '
                 'again starts from scratch.')
    else:
        where = (f'The last checkpoint is {last} (complete: checkpoints are '
                 'written atomically). Resume with:\n  ' +
                 resume_command(args, cfg.work_dir))
    print_log(f'Training interrupted by Ctrl-C (KeyboardInterrupt). {where}',
              logger='current', level=logging.WARNING)


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    cfg.work_dir = check_work_dir(cfg.work_dir)
    remove_stale_temp_files(cfg.work_dir)
    apply_mmengine_patches(trust_checkpoint=args.trust_checkpoint)
    runner = Runner.from_cfg(cfg)
    runner.logger.info(f'world size: {runner.world_size} '
                       f'(rank {runner.rank}, launcher {args.launcher})')
    try:
        runner.train()
    except BaseException as err:  # noqa: B902 (Ctrl-C may arrive wrapped)
        if not caused_by_interrupt(err):
            raise
        report_interrupt(args, cfg)
        sys.exit(EXIT_INTERRUPTED)
    return runner


if __name__ == '__main__':
    main()
