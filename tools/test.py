"""Evaluate a checkpoint and print paper-style tables.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--method NAME] [--mean-pose-baseline] [--trust-checkpoint]
        [--show-dir DIR]

Prints the paper-style markdown tables of each test metric (the metric
class's ``format_table``; Human3.6M: Table-1 layout, rows: method, columns:
the actions and the average, one table per protocol) and writes
``metrics.json`` and ``metrics.csv`` into the work dir. ``--show-dir``
saves PNGs of ground truth beside prediction for a few test windows
(``PoseVisualizationHook``).
"""
import argparse
import inspect
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mpm.engine import CheckpointLoadError, apply_mmengine_patches
from mpm.evaluation.tables import format_tables, write_metrics
from mpm.registry import DATASETS, METRICS
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
    parser.add_argument(
        '--show-dir', default=None,
        help='save PNGs of ground truth beside prediction for a sample of '
        'test windows into this folder (PoseVisualizationHook)')
    parser.add_argument('--show-num', type=int, default=8,
                        help='how many windows --show-dir draws')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    cfg = load_config(args)
    # Loaded strictly in main() (MMEngine's load_from would evaluate a
    # checkpoint of another architecture after a mere warning).
    cfg.load_from = None
    cfg.resume = False
    if getattr(args, 'show_dir', None):
        hooks = list(cfg.get('custom_hooks', None) or [])
        hooks.append(dict(type='PoseVisualizationHook', out_dir=args.show_dir,
                          num_windows=args.show_num))
        cfg.custom_hooks = hooks
    return cfg


def add_mean_pose_baseline(cfg: Config) -> None:
    """Give the test metric the training set's mean root-relative pose.

    Raises:
        ValueError: the test metric has no mean-pose baseline (no
            ``mean_pose`` argument) or the training set no ``mean_pose_3d``.
    """
    init_default_scope(cfg.get('default_scope', 'mpm'))
    metric = cfg.test_evaluator
    metric_cls = METRICS.get(metric.get('type', ''))
    if metric_cls is None or 'mean_pose' not in inspect.signature(
            metric_cls).parameters:
        raise ValueError(
            f"--mean-pose-baseline: the test metric {metric.get('type')} has "
            'no mean-pose baseline (no `mean_pose` argument); drop the flag '
            'for this config.')
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    if not hasattr(train_set, 'mean_pose_3d'):
        raise ValueError(f'--mean-pose-baseline: {type(train_set).__name__} '
                         'has no mean_pose_3d(); drop the flag.')
    cfg.test_evaluator['mean_pose'] = train_set.mean_pose_3d().tolist()


def load_strictly(runner: Runner, checkpoint: str) -> None:
    """Load ``checkpoint`` into the runner's model; every key must fit.

    Raises:
        SystemExit: the file cannot be read (missing, corrupt, not a
            checkpoint, refused by the allow-list): the message says which
            and what to do, without a traceback.
        ValueError: missing / unexpected keys or shapes (listed), with what
            to check.
    """
    try:
        runner.load_checkpoint(checkpoint, map_location='cpu', strict=True)
    except (FileNotFoundError, CheckpointLoadError) as err:
        raise SystemExit(f'test.py: {err}') from None
    except RuntimeError as err:
        raise ValueError(
            f"Checkpoint '{checkpoint}' does not fit the model built from "
            f'the config ({err}). Check that the config matches the '
            'checkpoint (the config dumped next to it in its work dir, or '
            'the one convert_official.py wrote).') from None


def pretrained_from(cfg: Config):
    """The stage I checkpoint the model was initialised from, or False.

    Read from ``model.init_cfg`` (``PretrainedParts`` / ``Pretrained``);
    written to ``metrics.json`` as ``pretrained`` (``true`` plus
    ``pretrained_checkpoint``) so every result says whether it used
    pre-training.
    """
    init_cfgs = cfg.model.get('init_cfg') or []
    if not isinstance(init_cfgs, (list, tuple)):
        init_cfgs = [init_cfgs]
    for init in init_cfgs:
        if init.get('type') in ('PretrainedParts', 'Pretrained') and \
                init.get('checkpoint'):
            return str(init['checkpoint'])
    return False


def main(argv=None):
    args = parse_args(argv)
    cfg = build_config(args)
    if args.mean_pose_baseline:
        add_mean_pose_baseline(cfg)
    apply_mmengine_patches(trust_checkpoint=args.trust_checkpoint)
    runner = Runner.from_cfg(cfg)
    load_strictly(runner, args.checkpoint)
    metrics = runner.test()
    if is_main_process():
        method = args.method or osp.splitext(osp.basename(args.config))[0]
        print(format_tables(metrics, cfg.test_evaluator, method=method))
        paths = write_metrics(
            metrics, cfg.work_dir,
            extra=dict(config=args.config, checkpoint=args.checkpoint,
                       method=method,
                       pretrained=bool(pretrained_from(cfg)),
                       pretrained_checkpoint=pretrained_from(cfg) or None))
        print('metrics written to ' + ', '.join(paths))
    return metrics


if __name__ == '__main__':
    main()
