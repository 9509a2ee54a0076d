"""tools/analysis_tools/pretrain_ablation.py: schedules, subsetting, the
JSON contract and the tables."""
import argparse
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config, DictAction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tool():
    path = osp.join(ROOT, 'tools/analysis_tools/pretrain_ablation.py')
    spec = importlib.util.spec_from_file_location('pretrain_ablation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schedule_fits_any_budget(tool):
    assert tool.schedule_options(1500, 100) == [
        'train_cfg.max_iters=1500', 'param_scheduler.0.end=100',
        'param_scheduler.1.begin=100', 'param_scheduler.1.end=1500'
    ]
    # Short budgets shrink the warm-up to a tenth (at least 1 iteration).
    assert 'param_scheduler.0.end=2' in tool.schedule_options(20, 100)
    assert 'param_scheduler.0.end=1' in tool.schedule_options(5, 100)


def test_every_arm_has_a_config_that_exists(tool):
    for arm, (_, config) in tool.ARMS.items():
        assert config is None or osp.isfile(osp.join(ROOT, config)), arm
    for config in (tool.LIFTER, tool.PROBE, tool.LPFT, tool.CORPUS_TEST):
        assert osp.isfile(osp.join(ROOT, config))


def _merged(config, options):
    """The config as tools/train.py builds it with ``--cfg-options``."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    parsed = {}
    action = DictAction(option_strings=['--cfg-options'], dest='o')
    ns = type('NS', (), {})()
    action(None, ns, options)
    parsed = ns.o
    cfg.merge_from_dict(parsed)
    return cfg


def _tiny_h36m(tmp_path):
    from mpm.datasets.synthetic import generate_synthetic_h36m
    root = str(tmp_path / 'h36m')
    generate_synthetic_h36m(root, seed=0, num_frames=80,
                            subjects=['S1', 'S5', 'S9'],
                            actions=['Walking', 'Waving'], trials=1)
    return root


def test_fraction_and_subject_subsetting(tool, tmp_path):
    from mmengine.registry import init_default_scope

    from mpm.registry import DATASETS
    init_default_scope('mpm')
    root = _tiny_h36m(tmp_path)
    args = tool.parse_args(['--finetune-fraction', '0.25',
                            '--finetune-subjects', 'S1', 'S5',
                            '--data-root', root])
    full = DATASETS.build(_merged(
        tool.LIFTER, tool.data_options(root) + tool.subset_options(
            1.0, ['S1', 'S5'])).train_dataloader.dataset)
    options = tool.finetune_options(0, None, args)
    cfg = _merged(tool.LIFTER, options)
    sub = DATASETS.build(cfg.train_dataloader.dataset)
    # Per sequence and camera a contiguous quarter of the centres.
    assert {sub[i]['meta']['subject'] for i in range(len(sub))} == {'S1',
                                                                    'S5'}
    assert len(full) == 2 * 2 * 4 * 40  # subjects x seqs x cams x frames
    assert len(sub) == 2 * 2 * 4 * 10
    frames = sorted({sub[i]['meta']['frame'] for i in range(len(sub))
                     if sub[i]['meta']['sequence'] == 'Walking'
                     and sub[i]['meta']['subject'] == 'S1'})
    assert frames == list(range(frames[0], frames[0] + 10))
    # Deterministic: the same windows in every arm and seed.
    again = DATASETS.build(_merged(tool.LIFTER, tool.finetune_options(
        1, 'x.pth', args)).train_dataloader.dataset)
    np.testing.assert_array_equal(again[7]['keypoints_3d'],
                                  sub[7]['keypoints_3d'])
    # Stage I options never subset: the pre-training data stays whole.
    assert not any('subset' in o for o in tool.stage1_options('2d3d', args))
    with pytest.raises(ValueError, match='finetune-fraction'):
        tool.subset_options(0.0, ['S1'])


def test_transfer_lr_mult_and_init(tool, tmp_path):
    args = tool.parse_args(['--transfer-lr-mult', '0.1'])
    cfg = _merged(tool.LIFTER, tool.finetune_options(0, 'w/p.pth', args))
    assert cfg.model.init_cfg == dict(type='PretrainedParts',
                                      checkpoint='w/p.pth')
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert keys.encoder.lr_mult == 0.1 and keys.trunk.lr_mult == 0.1
    probe = _merged(tool.PROBE, tool.finetune_options(0, 'w/p.pth', args,
                                                      probe=True))
    assert probe.custom_hooks == [dict(type='FreezePartsHook',
                                       parts=['encoder', 'trunk'])]
    assert 'paramwise_cfg' not in probe.optim_wrapper


def test_lpft_only_for_pretrained_arms(tool):
    args = tool.parse_args(['--finetune-probe-iters', '120'])
    assert tool.finetune_config('w/p.pth', args) == tool.LPFT
    cfg = _merged(tool.LPFT, tool.finetune_options(0, 'w/p.pth', args))
    assert cfg.custom_hooks == [dict(type='FreezePartsHook',
                                     parts=['encoder', 'trunk'],
                                     until_iter=120)]
    assert cfg.model.init_cfg.checkpoint == 'w/p.pth'
    # Scratch and the frozen-trunk probe are unchanged by the option.
    assert tool.finetune_config(None, args) == tool.LIFTER
    assert not any('custom_hooks' in o
                   for o in tool.finetune_options(0, None, args))
    assert tool.finetune_config('w/p.pth', args, probe=True) == tool.PROBE
    assert not any('custom_hooks' in o for o in tool.finetune_options(
        0, 'w/p.pth', args, probe=True))
    off = tool.parse_args([])
    assert tool.finetune_config('w/p.pth', off) == tool.LIFTER


def test_json_contract_on_a_tiny_budget(tool, tmp_path, monkeypatch):
    """Every stage is a subprocess; here each command writes what the real
    tools write (a checkpoint pointer, metrics.json with numbers that depend
    on arm, seed and test set), so the aggregation and the file are
    checked end to end in a few milliseconds."""
    data = tmp_path / 'data'
    corpus = tmp_path / 'corpus'
    os.makedirs(data)
    os.makedirs(corpus)
    (data / 'data_3d_h36m.npz').write_bytes(b'')
    (corpus / 'motion_corpus_h36m_50fps.npz').write_bytes(b'')
    calls = []

    def fake_run(cmd):
        calls.append(cmd)
        work = cmd[cmd.index('--work-dir') + 1] if '--work-dir' in cmd \
            else None
        if cmd[1] == 'tools/train.py':
            os.makedirs(work, exist_ok=True)
            with open(osp.join(work, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work, 'iter_1.pth'))
        elif cmd[1] == 'tools/test.py':
            os.makedirs(work, exist_ok=True)
            seed = int(work.split('seed')[1].split(os.sep)[0])
            base = 50.0 if '/none/' in work else 40.0
            base += 10.0 if 'corpus' in cmd[2] else 0.0
            base += 5.0 if '/probe/' in work else 0.0
            with open(osp.join(work, 'metrics.json'), 'w') as f:
                json.dump(dict(mpjpe_mm=base + seed,
                               p_mpjpe_mm=base / 2 + seed), f)

    monkeypatch.setattr(tool, 'run', fake_run)
    out = tmp_path / 'out.json'
    tool.main(['--arms', 'none', '2d3d', '--seeds', '0', '1', '2',
               '--finetune-fraction', '0.05', '--pretrain-iters', '2',
               '--finetune-iters', '2', '--probe', '--data-root', str(data),
               '--corpus-root', str(corpus), '--work-dir',
               str(tmp_path / 'w'), '--json', str(out)])
    result = json.loads(out.read_text())
    assert set(result) >= {'arms', 'settings'}
    assert list(result['arms']) == ['none', '2d3d']
    assert result['arms']['none']['mpjpe_mm'] == [50.0, 51.0, 52.0]
    assert result['arms']['2d3d']['mpjpe_mm'] == [40.0, 41.0, 42.0]
    assert result['arms']['2d3d']['p_mpjpe_mm'] == [20.0, 21.0, 22.0]
    assert result['arms']['2d3d']['corpus_mpjpe_mm'] == [50.0, 51.0, 52.0]
    assert result['probe']['2d3d']['mpjpe_mm'] == [45.0, 46.0, 47.0]
    assert result['settings']['finetune_fraction'] == 0.05
    assert result['settings']['seeds'] == [0, 1, 2]
    # One stage I per seed for 2d3d only; the fraction reaches stage II
    # only.
    stage1 = [c for c in calls if c[1] == 'tools/train.py'
              and c[2] == tool.ARMS['2d3d'][1]]
    assert len(stage1) == 3
    assert not any('subset' in o for c in stage1 for o in c)
    stage2 = [c for c in calls if c[1] == 'tools/train.py'
              and c[2] == tool.LIFTER]
    assert len(stage2) == 6
    assert all('train_dataloader.dataset.subset=0.05' in c for c in stage2)

    # --stage1-seed: one stage I (of that seed), every stage II seed on it
    calls.clear()
    tool.main(['--arms', '2d3d', '--seeds', '0', '1', '--stage1-seed', '4',
               '--data-root', str(data), '--corpus-root', str(corpus),
               '--work-dir', str(tmp_path / 'x'), '--json', str(out)])
    stage1 = [c for c in calls if c[1] == 'tools/train.py'
              and c[2] == tool.ARMS['2d3d'][1]]
    assert len(stage1) == 1 and 'randomness.seed=4' in stage1[0]
    stage2 = [c for c in calls if c[1] == 'tools/train.py'
              and c[2] == tool.LIFTER]
    assert [c[c.index('--cfg-options') + 1] for c in stage2] == [
        'randomness.seed=0', 'randomness.seed=1']
    published = osp.join(str(tmp_path / 'x'), 'seed4', '2d3d', 'pretrain',
                         'pretrain.pth')
    assert all(f'model.init_cfg.checkpoint={published}' in c
               for c in stage2)
    assert json.loads(out.read_text())['settings']['stage1_seed'] == 4

    # --probe-only on an ActionPose arm: its stage I is trained, then only
    # the probe (frozen encoder + trunk from that stage I) runs.
    calls.clear()
    tool.main(['--arms', 'actionpose', '--seeds', '1', '--probe-only',
               '--data-root', str(data), '--corpus-root', str(corpus),
               '--work-dir', str(tmp_path / 'y'), '--json', str(out)])
    result = json.loads(out.read_text())
    assert result['arms'] == {}
    assert result['probe']['actionpose']['mpjpe_mm'] == [46.0]
    trained = [c[2] for c in calls if c[1] == 'tools/train.py']
    assert trained == [tool.ARMS['actionpose'][1], tool.PROBE]
    published = osp.join(str(tmp_path / 'y'), 'seed1', 'actionpose',
                         'pretrain', 'pretrain.pth')
    probe = [c for c in calls if c[2] == tool.PROBE]
    assert f'model.init_cfg.checkpoint={published}' in probe[0]


def test_table_lists_mean_and_std(tool):
    arms = dict(none=dict(mpjpe_mm=[40.0, 42.0], p_mpjpe_mm=[30.0, 30.0],
                          corpus_mpjpe_mm=[80.0, 80.0],
                          corpus_p_mpjpe_mm=[60.0, 62.0]))
    text = tool.table(arms)
    assert ('| no pre-training | 2 | 41.0 ± 1.0 | 30.0 ± 0.0 | 80.0 ± 0.0 | '
            '61.0 ± 1.0 |') in text


def test_missing_data_is_a_clear_error(tool, tmp_path):
    with pytest.raises(SystemExit, match='make data'):
        tool.main(['--data-root', str(tmp_path / 'nowhere'),
                   '--work-dir', str(tmp_path / 'w')])


def test_merge_runs_of_single_seeds(tool, tmp_path):
    settings = dict(finetune_fraction=0.05, arms=['none'], seeds=[0],
                    work_dir='w', pretrain_iters=4)
    paths = []
    for seed, value in ((0, 50.0), (1, 52.0)):
        path = tmp_path / f's{seed}.json'
        path.write_text(json.dumps(dict(
            arms=dict(none=dict(mpjpe_mm=[value], p_mpjpe_mm=[value / 2])),
            settings=dict(settings, seeds=[seed]))))
        paths.append(str(path))
    out = tmp_path / 'merged.json'
    tool.main(['--merge', *paths, '--json', str(out)])
    merged = json.loads(out.read_text())
    assert merged['arms']['none']['mpjpe_mm'] == [50.0, 52.0]
    assert merged['settings']['seeds'] == [0, 1]
    other = tmp_path / 'other.json'
    other.write_text(json.dumps(dict(
        arms={}, settings=dict(settings, finetune_fraction=1.0, seeds=[2]))))
    with pytest.raises(ValueError, match='finetune_fraction'):
        tool.merge(paths + [str(other)])
    # A file written before an option existed ran with its default: it
    # merges with one that records the default, not with another value.
    newer = tmp_path / 'newer.json'
    newer.write_text(json.dumps(dict(
        arms=dict(none=dict(mpjpe_mm=[51.0], p_mpjpe_mm=[25.5])),
        settings=dict(settings, seeds=[2], finetune_probe_iters=0))))
    assert tool.merge(paths + [str(newer)])['settings']['seeds'] == [0, 1, 2]
    newer.write_text(json.dumps(dict(
        arms={}, settings=dict(settings, seeds=[2], finetune_probe_iters=50))))
    with pytest.raises(ValueError, match='finetune_probe_iters'):
        tool.merge(paths + [str(newer)])


def test_collect_finished_arms_of_a_stopped_run(tool, tmp_path):
    data, corpus = tmp_path / 'data', tmp_path / 'corpus'
    os.makedirs(data)
    os.makedirs(corpus)
    (data / 'data_3d_h36m.npz').write_bytes(b'')
    (corpus / 'motion_corpus_h36m_50fps.npz').write_bytes(b'')
    work = tmp_path / 'w'
    for test, value in (('test_h36m', 40.0), ('test_corpus', 70.0)):
        d = work / 'seed1' / '2d3d' / 'finetune' / test
        os.makedirs(d)
        (d / 'metrics.json').write_text(json.dumps(
            dict(mpjpe_mm=value, p_mpjpe_mm=value / 2)))
    # seed 1 / none was stopped before its corpus test: left out.
    d = work / 'seed1' / 'none' / 'finetune' / 'test_h36m'
    os.makedirs(d)
    (d / 'metrics.json').write_text(json.dumps(dict(mpjpe_mm=1.0,
                                                    p_mpjpe_mm=1.0)))
    out = tmp_path / 'c.json'
    result = tool.main(['--collect', '--arms', '2d3d', 'none', '--seeds', '1',
                        '--data-root', str(data), '--corpus-root',
                        str(corpus), '--work-dir', str(work), '--json',
                        str(out)])
    assert result['arms'] == {'2d3d': dict(
        mpjpe_mm=[40.0], p_mpjpe_mm=[20.0], corpus_mpjpe_mm=[70.0],
        corpus_p_mpjpe_mm=[35.0])}
    assert result['settings']['arms'] == ['2d3d']
    # Joined with a run of the other arm (same settings but arms).
    other = tmp_path / 'n.json'
    other.write_text(json.dumps(dict(
        arms=dict(none=dict(mpjpe_mm=[50.0], p_mpjpe_mm=[25.0])),
        settings=dict(result['settings'], arms=['none']))))
    merged = tool.merge([str(out), str(other)])
    assert merged['settings']['arms'] == ['2d3d', 'none']
    assert merged['arms']['none']['mpjpe_mm'] == [50.0]
    # a merged file merges again (its merged_from is no setting)
    again = tmp_path / 'm.json'
    again.write_text(json.dumps(merged))
    third = tmp_path / 'a.json'
    third.write_text(json.dumps(dict(
        arms=dict(actionpose=dict(mpjpe_mm=[49.0], p_mpjpe_mm=[24.0])),
        settings=dict(result['settings'], arms=['actionpose']))))
    assert tool.merge([str(again), str(third)])['settings']['arms'] == [
        '2d3d', 'none', 'actionpose']


@pytest.mark.parametrize('arm', [
    '2d3d', 'actionpose', 'actionpose_shuffled', 'actionpose_lift_only',
    'actionpose_clean_noise', 'actionpose_clean_noise_shuffled',
    'actionpose_h36m_cameras', '2d3d_action', '2d3d_action_shuffled'])
def test_stage1_options_fit_the_arm_config(tool, arm):
    """Every pre-training arm reads the synthetic Human3.6M and the corpus
    from the given roots; only the shuffled ActionPose arm shuffles the
    label embeddings, only the lift-only arm drops the action objectives,
    only the clean-noise arm restricts the noise (to a source the mixture
    has), only the Human3.6M-camera arm changes the corpus's cameras."""
    args = argparse.Namespace(data_root='/d/h36m', corpus_root='/d/corpus')
    cfg = _merged(tool.ARMS[arm][1], tool.stage1_options(arm, args))
    roots = [d['data_root'] for d in cfg.train_dataloader.dataset.datasets]
    assert roots == ['/d/h36m', '/d/corpus']
    if arm.startswith('actionpose'):
        assert cfg.model.get('shuffle_text_embeddings', False) == (
            arm.endswith('_shuffled'))
        lift_only = arm == 'actionpose_lift_only'
        assert (cfg.model.lambda_action == 0) == lift_only
        assert (cfg.model.lambda_align == 0) == lift_only
        noisy = cfg.model.get('noise_datasets')
        if arm.startswith('actionpose_clean_noise'):
            assert noisy == ['motion_corpus']
            assert set(noisy) < set(cfg.train_dataloader.dataset.names)
        else:
            assert noisy is None
        corpus = cfg.train_dataloader.dataset.datasets[1]
        if arm == 'actionpose_h36m_cameras':
            assert corpus.camera == 'h36m' and corpus.cameras == [0, 2]
        else:
            assert corpus.camera == 'virtual' and 'cameras' not in corpus
    head = cfg.model.get('action_text')
    assert (head is not None) == arm.startswith('2d3d_action')
    if head is not None:
        # the 2d3d stage I plus the head, nothing else
        plain = _merged(tool.ARMS['2d3d'][1],
                        tool.stage1_options('2d3d', args))
        assert {k: v for k, v in cfg.model.items() if k != 'action_text'} \
            == dict(plain.model)
        assert cfg.train_dataloader == plain.train_dataloader
        assert head.get('shuffle_text_embeddings', False) == (
            arm == '2d3d_action_shuffled')
