"""Does stage I pay? MPM Table 6 at demo scale as a transfer protocol.

    python tools/analysis_tools/pretrain_ablation.py \\
        [--arms none 2d 2d3d 2d3d_official actionpose actionpose_shuffled
                actionpose_lift_only actionpose_clean_noise
                actionpose_clean_noise_shuffled actionpose_h36m_cameras
                2d3d_action
                2d3d_action_shuffled] \\
        [--seeds 0 1 2] \\
        [--finetune-fraction F] [--finetune-subjects S1 S5 ...] \\
        [--pretrain-iters N] [--finetune-iters M] [--finetune-warmup W] \\
        [--transfer-lr-mult X] [--finetune-probe-iters N] [--probe]
        [--stage1-seed S]
        [--json OUT] [--work-dir DIR]
    python tools/analysis_tools/pretrain_ablation.py --merge A.json B.json \
        --json OUT      # seeds or arms run separately (e.g. in parallel)
    python tools/analysis_tools/pretrain_ablation.py --collect ...  # the
        # arms and seeds a stopped run finished, from its --work-dir

For every seed and arm: stage I (``2d``: ``configs/demo/pretrain_2d_only.py``,
``2d3d``: ``configs/demo/pretrain_corpus.py`` (paper preset),
``2d3d_official``: ``configs/demo/pretrain_official.py``, ``actionpose``:
``configs/demo/actionpose_pretrain_corpus.py``, the shipped MiniLM
embeddings of the per-frame action labels; ``actionpose_shuffled``: the same
with the embeddings shuffled across labels; ``actionpose_lift_only``: the
same without its action and alignment losses (masked, noisy 2D -> 3D only);
``actionpose_clean_noise``: detector noise only on the corpus's clean 2D,
not again on the synthetic Human3.6M's detector-like 2D
(``actionpose_clean_noise_shuffled``: and shuffled embeddings);
``actionpose_h36m_cameras``: the corpus seen through two of Human3.6M's
cameras instead of random virtual ones, so that the camera does not give
away which label set a window belongs to; ``2d3d_action``:
``configs/demo/pretrain_corpus_action.py``, the ``2d3d`` stage I with
ActionPose's action and alignment losses on its trunk tokens;
``2d3d_action_shuffled``: the same with shuffled label embeddings) on *all*
synthetic Human3.6M training windows plus the built-in motion corpus, then
stage II (``configs/demo/lifter.py``, encoder + trunk from stage I;
``none``: random weights) on a deterministic fraction of the training
windows (``--finetune-fraction``: per sequence a contiguous chunk of that
fraction of the frames, the same chunk for every arm and seed;
``--finetune-subjects``), same budget for every arm. Each model is tested
twice: on S9/S11 of the synthetic Human3.6M (detector-like
2D) and on the held-out corpus families (``configs/demo/
lifter_corpus_test.py``: jump, throw, kick, kneel, spin through the
Human3.6M cameras of S9), which no fine-tuning sees.

``--finetune-probe-iters N`` fine-tunes the pre-trained arms by linear
probing, then fine-tuning (``configs/demo/lifter_lpft.py``): their encoder
and trunk stay frozen for the first N of the stage II iterations; ``none``
is fine-tuned as always.

``--probe`` adds the frozen-trunk probe (``configs/demo/lifter_probe.py``):
the lifter's encoder and trunk are frozen (weights, BatchNorm statistics;
``FreezePartsHook``) and only its
decoder and heads are trained, on the stage I weights of each pre-trained
arm and on random weights (``none``): the gap shows whether stage I learned
features a lifter can read. The ActionPose arms' stage I lifts through its
own decoder (dropped at stage II); their probe shows how much of that
lifting, and of the action objectives, the trunk keeps in a form the
lifter's decoder can read.

Prints mean +- std tables and writes ``--json`` (default
``DIR/ablation.json``)::

    {"arms": {arm: {"mpjpe_mm": [per seed], "p_mpjpe_mm": [...],
                    "corpus_mpjpe_mm": [...], "corpus_p_mpjpe_mm": [...],
                    "seconds": [...]}},
     "probe": {arm: {...}}, "settings": {...}}
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ARMS = {
    'none': ('no pre-training', None),
    '2d': ('2D only', 'configs/demo/pretrain_2d_only.py'),
    '2d3d': ('2D + 3D (paper schedule)', 'configs/demo/pretrain_corpus.py'),
    '2d3d_official': ('2D + 3D (official schedule)',
                      'configs/demo/pretrain_official.py'),
    'actionpose': ('ActionPose', 'configs/demo/actionpose_pretrain_corpus.py'),
    'actionpose_shuffled': ('ActionPose, shuffled label embeddings',
                            'configs/demo/actionpose_pretrain_corpus.py'),
    'actionpose_lift_only': ('ActionPose without its action objectives',
                             'configs/demo/actionpose_pretrain_corpus.py'),
    'actionpose_clean_noise': ('ActionPose, noise on clean 2D only',
                               'configs/demo/actionpose_pretrain_corpus.py'),
    'actionpose_clean_noise_shuffled': (
        'ActionPose, noise on clean 2D only, shuffled label embeddings',
        'configs/demo/actionpose_pretrain_corpus.py'),
    'actionpose_h36m_cameras': (
        "ActionPose, corpus through Human3.6M's cameras",
        'configs/demo/actionpose_pretrain_corpus.py'),
    '2d3d_action': ("2D + 3D with ActionPose's action objectives",
                    'configs/demo/pretrain_corpus_action.py'),
    '2d3d_action_shuffled': ('2D + 3D with action objectives, shuffled '
                             'label embeddings',
                             'configs/demo/pretrain_corpus_action.py'),
}
#: Stage I options that make an arm differ from another of the same config.
ARM_OPTIONS = {
    # Same vectors at the wrong labels: does the meaning help, or only the
    # label identity?
    'actionpose_shuffled': ['model.shuffle_text_embeddings=True'],
    # Masked, noisy 2D -> 3D alone: what do the labels add at all?
    'actionpose_lift_only': ['model.lambda_action=0.0',
                             'model.lambda_align=0.0'],
    # Detector noise only where the 2D is clean (the corpus's projections),
    # not again on the synthetic Human3.6M's detector-like 2D.
    'actionpose_clean_noise': ["model.noise_datasets=['motion_corpus']"],
    '2d3d_action_shuffled': [
        'model.action_text.shuffle_text_embeddings=True'],
    # The corpus through two of Human3.6M's cameras (S1's calibration), as
    # the synthetic set's windows: the camera no longer tells which label
    # set a window comes from.
    'actionpose_h36m_cameras': [
        'train_dataloader.dataset.datasets.1.camera=h36m',
        'train_dataloader.dataset.datasets.1.cameras=[0,2]'],
}
ARM_OPTIONS['actionpose_clean_noise_shuffled'] = (
    ARM_OPTIONS['actionpose_clean_noise'] +
    ARM_OPTIONS['actionpose_shuffled'])
#: MPM Table 6 (mm) for the arms it has; the other arms have no paper figure.
PAPER_MM = {'none': 43.1, '2d': 42.9, '2d3d': 42.3, '2d3d_official': 42.3}
LIFTER = 'configs/demo/lifter.py'
PROBE = 'configs/demo/lifter_probe.py'
LPFT = 'configs/demo/lifter_lpft.py'
CORPUS_TEST = 'configs/demo/lifter_corpus_test.py'
H36M_TRAIN = ['S1', 'S5', 'S6', 'S7', 'S8']


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


def subset_options(fraction, subjects, subset_seed=0):
    """Stage II's training windows: a deterministic fraction (per sequence a
    contiguous chunk of centres, ``Human36mDataset(subset=...)``) of the
    given subjects' windows."""
    if not 0 < fraction <= 1:
        raise ValueError(f'--finetune-fraction must be in (0, 1], got '
                         f'{fraction}.')
    subjects = list(subjects)
    return [f'train_dataloader.dataset.subset={fraction}',
            f'train_dataloader.dataset.subset_seed={subset_seed}',
            'train_dataloader.dataset.subjects=[' + ','.join(
                f"'{s}'" for s in subjects) + ']']


def stage1_options(arm, args):
    """Data paths of a stage I config (mixture: Human3.6M + corpus) and the
    arm's own options (:data:`ARM_OPTIONS`)."""
    return [f'train_dataloader.dataset.datasets.0.data_root={args.data_root}',
            f'train_dataloader.dataset.datasets.1.data_root='
            f'{args.corpus_root}'] + ARM_OPTIONS.get(arm, [])


def pretrain(arm, seed, args):
    """Run stage I of ``arm`` with ``seed``; returns the published file."""
    work = osp.join(args.stage1_dir or args.work_dir, f'seed{seed}', arm,
                    'pretrain')
    stage1 = osp.join(work, 'pretrain.pth')
    if (args.reuse or args.stage1_dir) and osp.isfile(stage1):
        print(f'reusing stage I of arm {arm}, seed {seed}: {stage1}')
        return stage1
    run([sys.executable, 'tools/train.py', ARMS[arm][1], '--work-dir', work,
         '--cfg-options', f'randomness.seed={seed}'] +
        stage1_options(arm, args) + schedule_options(args.pretrain_iters, 50))
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    # This run wrote the checkpoint itself: trusting it is safe.
    run([sys.executable, 'tools/model_converters/publish_model.py', last,
         stage1, '--no-hash', '--trust-checkpoint'])
    return stage1


def finetune_options(seed, stage1, args, probe=False):
    iters = args.finetune_iters
    options = [f'randomness.seed={seed}',
               f'train_cfg.val_interval={iters + 1}',
               f'train_cfg.val_begin={iters + 1}'
               ] + schedule_options(iters, args.finetune_warmup)
    options += data_options(args.data_root)
    options += subset_options(args.finetune_fraction, args.finetune_subjects,
                              args.subset_seed)
    if stage1 is not None:
        options += ['model.init_cfg.type=PretrainedParts',
                    f'model.init_cfg.checkpoint={stage1}']
        if lpft(stage1, args, probe):
            options += ['custom_hooks.0.until_iter='
                        f'{args.finetune_probe_iters}']
        if args.transfer_lr_mult != 1.0 and not probe:
            mult = args.transfer_lr_mult
            options += [
                'optim_wrapper.paramwise_cfg.custom_keys.encoder.lr_mult='
                f'{mult}',
                f'optim_wrapper.paramwise_cfg.custom_keys.trunk.lr_mult='
                f'{mult}']
    return options


def lpft(stage1, args, probe=False):
    """Whether stage II starts with the encoder and trunk frozen
    (``--finetune-probe-iters``): pre-trained arms only, not the probe."""
    return bool(args.finetune_probe_iters) and stage1 is not None \
        and not probe


def finetune_config(stage1, args, probe=False):
    """The stage II config of a run: probe, LP-FT or plain lifter."""
    if probe:
        return PROBE
    return LPFT if lpft(stage1, args) else LIFTER


def test(config, checkpoint, work, name, options):
    run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir',
         work, '--method', name, '--trust-checkpoint', '--cfg-options'] +
        options)
    with open(osp.join(work, 'metrics.json')) as f:
        return json.load(f)


def finetune_and_test(arm, seed, stage1, args, probe=False):
    """Stage II from ``stage1`` (None: random init); both test sets."""
    kind = 'probe' if probe else 'finetune'
    work = osp.join(args.work_dir, f'seed{seed}', arm, kind)
    options = finetune_options(seed, stage1, args, probe)
    start = time.time()
    run([sys.executable, 'tools/train.py',
         finetune_config(stage1, args, probe), '--work-dir', work,
         '--cfg-options'] + options)
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    name = ARMS[arm][0] + (' (frozen-trunk probe)' if probe else '')
    test_options = [f'randomness.seed={seed}'] + data_options(args.data_root)
    h36m = test(LIFTER, last, osp.join(work, 'test_h36m'), name,
                test_options)
    result = dict(mpjpe_mm=h36m['mpjpe_mm'], p_mpjpe_mm=h36m['p_mpjpe_mm'])
    if not args.no_corpus_test:
        corpus = test(CORPUS_TEST, last, osp.join(work, 'test_corpus'), name,
                      [f'randomness.seed={seed}',
                       f'test_dataloader.dataset.data_root='
                       f'{args.corpus_root}'])
        result.update(corpus_mpjpe_mm=corpus['mpjpe_mm'],
                      corpus_p_mpjpe_mm=corpus['p_mpjpe_mm'])
    result['seconds'] = round(time.time() - start)
    return result


def _append(store, arm, result):
    entry = store.setdefault(arm, {})
    for key, value in result.items():
        entry.setdefault(key, []).append(value)


def mean_std(values):
    """'m +- s' (population std over seeds; one seed: just the mean)."""
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.mean(values):.1f} ± {statistics.pstdev(values):.1f}'


def table(arms, title='stage I'):
    """Markdown table: one row per arm, mean +- std over seeds."""
    corpus = any('corpus_mpjpe_mm' in v for v in arms.values())
    head = f'| {title} | seeds | S9/S11 MPJPE (mm) | S9/S11 P-MPJPE (mm) |'
    rule = '|---|---:|---:|---:|'
    if corpus:
        head += ' unseen families MPJPE (mm) | unseen families P-MPJPE (mm) |'
        rule += '---:|---:|'
    lines = [head, rule]
    for arm, v in arms.items():
        row = (f"| {ARMS[arm][0]} | {len(v['mpjpe_mm'])} | "
               f"{mean_std(v['mpjpe_mm'])} | {mean_std(v['p_mpjpe_mm'])} |")
        if corpus:
            nan = [float('nan')]
            row += (f" {mean_std(v.get('corpus_mpjpe_mm', nan))}"
                    f" | {mean_std(v.get('corpus_p_mpjpe_mm', nan))} |")
        lines.append(row)
    return '\n'.join(lines)


def merge(paths):
    """Join the JSON files of runs that differ only in their seeds (e.g. one
    seed per machine) into one result: per arm, the per-seed lists in the
    order of the files."""
    results = []
    for path in paths:
        with open(path) as f:
            results.append(json.load(f))
    ignore = ('seeds', 'seed', 'work_dir', 'json', 'reuse', 'stage1_dir',
              'merge', 'arms', 'pretrain_configs', 'collect', 'probe',
              'probe_only', 'merged_from')

    # Files written before an option existed ran with its default.
    defaults = vars(parse_args([]))

    def same(r):
        settings = dict(defaults, **r['settings'])
        return {k: v for k, v in settings.items() if k not in ignore}

    for path, r in zip(paths[1:], results[1:]):
        if same(r) != same(results[0]):
            diff = sorted(k for k in set(same(r)) | set(same(results[0]))
                          if same(r).get(k) != same(results[0]).get(k))
            raise ValueError(f'{path} was run with other settings than '
                             f'{paths[0]} ({diff}): only the seeds and '
                             'arms may differ.')
    merged = dict(arms={}, settings=dict(results[0]['settings']))
    merged['settings']['seeds'] = list(dict.fromkeys(
        s for r in results for s in r['settings']['seeds']))
    merged['settings']['arms'] = list(dict.fromkeys(
        a for r in results for a in r['settings']['arms']))
    merged['settings']['pretrain_configs'] = {
        a: ARMS[a][1] for a in merged['settings']['arms']}
    merged['settings']['merged_from'] = list(paths)
    for key in ('arms', 'probe'):
        for r in results:
            for arm, values in r.get(key, {}).items():
                entry = merged.setdefault(key, {}).setdefault(arm, {})
                for name, per_seed in values.items():
                    entry.setdefault(name, []).extend(per_seed)
    return merged


def collect(args):
    """Results of the arms and seeds of ``args`` already tested in
    ``args.work_dir`` (a run that was stopped, e.g. to run its other arms
    elsewhere); arms or seeds without both test results are left out."""
    found = {}
    for seed in args.seeds:
        for arm in args.arms:
            for kind, store in (('finetune', 'arms'), ('probe', 'probe')):
                work = osp.join(args.work_dir, f'seed{seed}', arm, kind)
                paths = [osp.join(work, t, 'metrics.json')
                         for t in ('test_h36m', 'test_corpus')]
                if not all(osp.isfile(p) for p in paths):
                    continue
                h36m, corpus = (json.load(open(p)) for p in paths)
                _append(found.setdefault(store, {}), arm, dict(
                    mpjpe_mm=h36m['mpjpe_mm'], p_mpjpe_mm=h36m['p_mpjpe_mm'],
                    corpus_mpjpe_mm=corpus['mpjpe_mm'],
                    corpus_p_mpjpe_mm=corpus['p_mpjpe_mm']))
    return found


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/pretrain_ablation')
    parser.add_argument('--arms', nargs='+', default=['none', '2d3d'],
                        choices=list(ARMS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--seed', type=int, default=None,
                        help='one seed (same as --seeds S)')
    parser.add_argument('--finetune-fraction', type=float, default=1.0,
                        help='fraction in (0, 1] of the training windows '
                        'stage II sees (stage I always sees all)')
    parser.add_argument('--finetune-subjects', nargs='+', default=H36M_TRAIN,
                        help='training subjects of stage II')
    parser.add_argument('--subset-seed', type=int, default=0,
                        help='seed of the fraction chunks (fixed across '
                        'seeds and arms)')
    parser.add_argument('--pretrain-iters', type=int, default=800)
    parser.add_argument('--finetune-iters', type=int, default=500)
    parser.add_argument('--finetune-warmup', type=int, default=100,
                        help='linear warm-up iterations of stage II')
    parser.add_argument('--transfer-lr-mult', type=float, default=1.0,
                        help='lr multiplier of the transferred encoder and '
                        'trunk in stage II (paramwise_cfg)')
    parser.add_argument('--finetune-probe-iters', type=int, default=0,
                        help='LP-FT: keep the transferred encoder and trunk '
                        'frozen for the first N stage II iterations '
                        '(pre-trained arms; 0: off)')
    parser.add_argument('--probe', action='store_true',
                        help='also run the frozen-trunk probe')
    parser.add_argument('--probe-only', action='store_true',
                        help='run only the frozen-trunk probe (no full '
                        'fine-tuning)')
    parser.add_argument('--no-corpus-test', action='store_true',
                        help='skip the test on held-out corpus families')
    parser.add_argument('--reuse', action='store_true',
                        help='reuse stage I checkpoints already in the work '
                        'dir (same seed and arm)')
    parser.add_argument('--stage1-dir', default=None,
                        help='work dir of an earlier run whose stage I '
                        'checkpoints (same seeds and arms, same '
                        '--pretrain-iters) are reused, e.g. to fine-tune '
                        'with another fraction; missing ones are trained '
                        'there')
    parser.add_argument('--stage1-seed', type=int, default=None,
                        help='fine-tune the stage I of this one seed with '
                        'every stage II seed of --seeds (tells the spread '
                        'stage I causes from the one of stage II); '
                        'default: each seed its own stage I')
    parser.add_argument('--data-root', default='data/synthetic_h36m')
    parser.add_argument('--corpus-root', default='data/motion_corpus')
    parser.add_argument('--collect', action='store_true',
                        help='train nothing: tabulate the arms and seeds '
                        'already tested in --work-dir')
    parser.add_argument('--merge', nargs='+', default=None,
                        metavar='JSON', help='only merge the JSON files of '
                        'runs that differ in their seeds into --json and '
                        'print the tables')
    parser.add_argument('--json', default=None,
                        help='output JSON (default WORK_DIR/ablation.json)')
    args = parser.parse_args(argv)
    if args.seed is not None:
        args.seeds = [args.seed]
    return args


def report(result, out):
    """Print the tables of ``result`` and write it to ``out``."""
    text = table(result['arms']) if result['arms'] else ''
    if result.get('probe'):
        text += '\n\nFrozen-trunk probe (only decoder and heads trained):\n\n'
        text += table(result['probe'], 'encoder + trunk from')
    print('\n' + text)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'written to {out}')


def main(argv=None):
    args = parse_args(argv)
    if args.merge:
        if not args.json:
            sys.exit('--merge needs --json OUT')
        result = merge(args.merge)
        report(result, args.json)
        return result
    if not osp.exists(osp.join(ROOT, args.data_root, 'data_3d_h36m.npz')):
        sys.exit(f'no data at {args.data_root}: run `make data` (the built-in '
                 'synthetic Human3.6M) or pass --data-root')
    corpus_file = osp.join(ROOT, args.corpus_root,
                           'motion_corpus_h36m_50fps.npz')
    if not osp.exists(corpus_file):
        sys.exit(f'no motion corpus at {args.corpus_root}: run `python tools/'
                 'dataset_converters/make_motion_corpus.py --out-dir '
                 f'{args.corpus_root}` (or `make data`) or pass '
                 '--corpus-root')
    try:
        subset_options(args.finetune_fraction, args.finetune_subjects)
    except ValueError as e:
        sys.exit(str(e))
    if not 0 <= args.finetune_probe_iters < args.finetune_iters:
        sys.exit(f'--finetune-probe-iters must be in [0, --finetune-iters '
                 f'= {args.finetune_iters}), got {args.finetune_probe_iters}')
    os.makedirs(args.work_dir, exist_ok=True)
    arms, probes = {}, {}
    if args.collect:
        found = collect(args)
        arms, probes = found.get('arms', {}), found.get('probe', {})
        args.arms = [a for a in args.arms if a in arms or a in probes]
    trained = {}
    for seed in ([] if args.collect else args.seeds):
        for arm in args.arms:
            stage1_seed = seed if args.stage1_seed is None \
                else args.stage1_seed
            if ARMS[arm][1] is None:
                stage1 = None
            elif (arm, stage1_seed) in trained:  # --stage1-seed: once
                stage1 = trained[arm, stage1_seed]
            else:
                stage1 = trained[arm, stage1_seed] = pretrain(
                    arm, stage1_seed, args)
            if not args.probe_only:
                _append(arms, arm, finetune_and_test(arm, seed, stage1,
                                                     args))
            if args.probe or args.probe_only:
                _append(probes, arm, finetune_and_test(arm, seed, stage1,
                                                       args, probe=True))
    settings = {k: v for k, v in vars(args).items()
                if k not in ('json', 'merge', 'collect')}
    settings.update(finetune_config=LIFTER, corpus_test_config=CORPUS_TEST,
                    pretrain_configs={a: ARMS[a][1] for a in args.arms})
    result = dict(arms=arms, settings=settings)
    if probes:
        result['probe'] = probes
    report(result, args.json or osp.join(args.work_dir, 'ablation.json'))
    return result


if __name__ == '__main__':
    main()
