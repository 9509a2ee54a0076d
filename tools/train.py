"""Train a model from a config (OpenMMLab command line).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]]
        [--amp] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--trust-checkpoint]

Multi-process: tools/dist_train.sh CONFIG N (torchrun; gloo on CPU).
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mpm.engine import apply_mmengine_fixes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an mpm model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work '
        'dir when no PATH is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of checkpoints from outside the work '
        'dir (only for files whose origin you trust)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_config(args) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
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
