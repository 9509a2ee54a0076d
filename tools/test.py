"""Evaluate a checkpoint and print paper-style tables.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--method NAME] [--mean-pose-baseline] [--trust-checkpoint]

Prints the paper-style markdown tables of each test metric (the metric
class's ``format_table``; Human3.6M: Table-1 layout, rows: method, columns:
the actions and the average, one table per protocol) and writes
``metrics.json`` and ``metrics.csv`` into the work dir.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mpm.engine import apply_mmengine_fixes
from mpm.evaluation.tables import format_tables, write_metrics
from mpm.registry import DATASETS
from mpm.utils.config import add_common_args, load_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an mpm model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--method', default=None,
                        help='row name in the printed table (default: the '
                        'config name)')
    parser.add_argument(
        '--mean-pose-baseline', action='store_true',
        help='also report the error of always predicting the training '
        "set's mean root-relative pose")
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    return cfg


def add_mean_pose_baseline(cfg: Config) -> None:
    """Give the test metric the training set's mean root-relative pose."""
    init_default_scope(cfg.get('default_scope', 'mpm'))
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    cfg.test_evaluator['mean_pose'] = train_set.mean_pose_3d().tolist()


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    if args.mean_pose_baseline:
        add_mean_pose_baseline(cfg)
    apply_mmengine_fixes(trusted_dirs=[cfg.work_dir],
                         trust_checkpoint=args.trust_checkpoint)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        method = args.method or osp.splitext(osp.basename(args.config))[0]
        print(format_tables(metrics, cfg.test_evaluator, method=method))
        paths = write_metrics(
            metrics, cfg.work_dir,
            extra=dict(config=args.config, checkpoint=args.checkpoint,
                       method=method))
        print('metrics written to ' + ', '.join(paths))
    return metrics


if __name__ == '__main__':
    main()
