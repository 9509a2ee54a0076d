"""MPM Table 6 at small scale: stage II with no pre-training, 2D-only and
2D + 3D stage I pre-training (and ActionPose pre-training), same fine-tuning
budget and seed.

    python tools/analysis_tools/pretrain_ablation.py [--work-dir DIR]
        [--pretrain-iters N] [--finetune-iters M] [--seed S]
        [--arms none 2d 2d3d actionpose] [--data-root data/synthetic_h36m]

Each arm runs ``tools/train.py`` (stage I: ``configs/demo/pretrain.py``,
``configs/demo/pretrain_2d_only.py`` or ``configs/demo/actionpose_pretrain.py``
), publishes the stage I checkpoint,
fine-tunes ``configs/demo/finetune.py`` from it (the ``none`` arm:
``configs/demo/lifter.py`` from random weights) and tests with
``tools/test.py``. Prints a markdown table (MPJPE / P-MPJPE in mm per arm)
and writes ``DIR/table6.json``. The paper's ordering (Human3.6M, 243
frames): no pre-training 43.1 > 2D only 42.9 > 2D + 3D 42.3 mm.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARMS = {
    'none': ('no pre-training', None),
    '2d': ('2D only', 'configs/demo/pretrain_2d_only.py'),
    '2d3d': ('2D + 3D', 'configs/demo/pretrain.py'),
    'actionpose': ('ActionPose', 'configs/demo/actionpose_pretrain.py'),
}
PAPER_MM = {'none': 43.1, '2d': 42.9, '2d3d': 42.3, 'actionpose': None}


def run(cmd):
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def data_options(data_root):
    return [
        f'{key}.dataset.data_root={data_root}'
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    ]


def schedule_options(iters, warmup):
    """Fit the demo configs' linear warm-up + cosine schedule to ``iters``."""
    warmup = max(1, min(warmup, iters // 10))
    return [f'train_cfg.max_iters={iters}', f'param_scheduler.0.end={warmup}',
            f'param_scheduler.1.begin={warmup}',
            f'param_scheduler.1.end={iters}']


def run_arm(arm, args):
    name, pretrain_config = ARMS[arm]
    work = osp.join(args.work_dir, arm)
    py = sys.executable
    seed = f'randomness.seed={args.seed}'
    start = time.time()
    if pretrain_config is None:
        config = 'configs/demo/lifter.py'
        extra = []
    else:
        pre_dir = osp.join(work, 'pretrain')
        run([py, 'tools/train.py', pretrain_config, '--work-dir', pre_dir,
             '--cfg-options', seed,
             f'train_dataloader.dataset.data_root={args.data_root}'] +
            schedule_options(args.pretrain_iters, 50))
        with open(osp.join(pre_dir, 'last_checkpoint')) as f:
            last = f.read().strip()
        stage1 = osp.join(work, 'pretrain.pth')
        # This run wrote the checkpoint itself: trusting it is safe.
        run([py, 'tools/model_converters/publish_model.py', last, stage1,
             '--no-hash', '--trust-checkpoint'])
        config = 'configs/demo/finetune.py'
        extra = [f'model.init_cfg.checkpoint={stage1}']
    options = [seed, f'train_cfg.val_interval={args.finetune_iters + 1}',
               f'train_cfg.val_begin={args.finetune_iters + 1}'
               ] + schedule_options(args.finetune_iters, 100) + data_options(
                   args.data_root) + extra
    run([py, 'tools/train.py', config, '--work-dir', work, '--cfg-options'] +
        options)
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    run([py, 'tools/test.py', config, last, '--work-dir', work,
         '--method', name, '--cfg-options'] + options)
    with open(osp.join(work, 'metrics.json')) as f:
        metrics = json.load(f)
    return dict(arm=arm, name=name, mpjpe_mm=metrics['mpjpe_mm'],
                p_mpjpe_mm=metrics['p_mpjpe_mm'],
                pretrained=metrics.get('pretrained', False),
                seconds=round(time.time() - start))


def table(rows):
    lines = ['| stage I | MPJPE (mm) | P-MPJPE (mm) | paper MPJPE (mm, H36M) |',
             '|---|---:|---:|---:|']
    for r in rows:
        paper = PAPER_MM[r['arm']]
        paper = '-' if paper is None else paper
        lines.append(f"| {r['name']} | {r['mpjpe_mm']:.1f} | "
                     f"{r['p_mpjpe_mm']:.1f} | {paper} |")
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/ablation_table6')
    parser.add_argument('--pretrain-iters', type=int, default=1000)
    parser.add_argument('--finetune-iters', type=int, default=1500)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--arms', nargs='+',
                        default=['none', '2d', '2d3d'],
                        choices=list(ARMS))
    parser.add_argument('--data-root', default='data/synthetic_h36m')
    args = parser.parse_args(argv)
    if not osp.exists(osp.join(ROOT, args.data_root, 'data_3d_h36m.npz')):
        sys.exit(f'no data at {args.data_root}: run `make data` (the built-in '
                 'synthetic Human3.6M) or pass --data-root')
    os.makedirs(args.work_dir, exist_ok=True)
    rows = [run_arm(arm, args) for arm in args.arms]
    text = table(rows)
    print('\n' + text)
    out = osp.join(args.work_dir, 'table6.json')
    with open(out, 'w') as f:
        json.dump(dict(rows=rows, args=vars(args)), f, indent=2)
    print(f'written to {out}')
    return rows


if __name__ == '__main__':
    main()
