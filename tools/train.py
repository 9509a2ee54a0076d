"""Train a model from a config (OpenMMLab command line).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]]
        [--amp] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--trust-checkpoint]

Multi-process: tools/dist_train.sh CONFIG N (torchrun; gloo on CPU).
"""
import argparse

from mmengine.config import Config
from mmengine.runner import Runner

from mpm.engine import apply_mmengine_fixes
from mpm.utils.config import add_common_args, load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mpm model')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no PATH is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    cfg = load_config(args)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    apply_mmengine_fixes(trusted_dirs=[cfg.work_dir],
                         trust_checkpoint=args.trust_checkpoint)
    runner = Runner.from_cfg(cfg)
    runner.logger.info(f'world size: {runner.world_size} '
                       f'(rank {runner.rank}, launcher {args.launcher})')
    runner.train()


if __name__ == '__main__':
    main()
