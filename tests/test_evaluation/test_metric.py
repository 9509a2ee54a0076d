"""Tests of Human36mMetric with hand-computed numbers."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mpm.evaluation import Human36mMetric
from mpm.registry import METRICS

# Root-relative reference pose in metres (3 joints, root first).
BASE = np.array([[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.4]])


def sample(offset_mm,
           action='Walking',
           root_shift=(1.0, 2.0, 3.0),
           pred_shift=(0.5, -0.2, 0.1),
           **meta):
    """gt = BASE + root_shift; pred = gt + pred_shift with joints 1 and 2
    moved by ``offset_mm`` along x. Per-frame MPJPE = 2 * offset / 3 mm."""
    gt = BASE + np.asarray(root_shift)
    pred = gt + np.asarray(pred_shift)
    pred[1:, 0] += offset_mm / 1000.0
    out = dict(pred_keypoints_3d=pred,
               gt_keypoints_3d=gt,
               subject='S9',
               **meta)
    if action is not None:
        out['action'] = action
    return out


def run(metric, samples, batch_size=2):
    for i in range(0, len(samples), batch_size):
        metric.process(None, samples[i:i + batch_size])
    return metric.compute_metrics(metric.results)


def test_headline_is_mean_over_action_means():
    # Walking: 3 frames at 20 mm; Eating: 1 frame at 60 mm.
    samples = [sample(30.0, 'Walking') for _ in range(3)]
    samples.append(sample(90.0, 'Eating'))
    m = run(Human36mMetric(), samples)
    assert m['mpjpe_mm/Walking'] == pytest.approx(20.0)
    assert m['mpjpe_mm/Eating'] == pytest.approx(60.0)
    assert m['mpjpe_mm'] == pytest.approx((20.0 + 60.0) / 2)  # 40
    assert m['mpjpe_mm_frame_weighted'] == pytest.approx(
        (3 * 20.0 + 60.0) / 4)  # 30
    assert m['num_frames'] == 4
    for key in ('p_mpjpe_mm', 'n_mpjpe_mm'):
        for suffix in ('', '_frame_weighted', '/Walking', '/Eating'):
            assert key + suffix in m
    # Table order (Human3.6M): Eating before Walking.
    per_action = [k for k in m if k.startswith('mpjpe_mm/')]
    assert per_action == ['mpjpe_mm/Eating', 'mpjpe_mm/Walking']


def test_units_and_root_alignment():
    # A global shift of the prediction is removed by root alignment and a
    # metres -> millimetres conversion turns 0.03 m into 30 mm.
    m = run(Human36mMetric(), [sample(0.0), sample(0.0, pred_shift=(5, 5, 5))])
    assert m['mpjpe_mm'] == pytest.approx(0.0, abs=1e-9)
    m = run(Human36mMetric(), [sample(30.0)])
    assert m['mpjpe_mm'] == pytest.approx(20.0)


def test_root_index_is_used():
    # Joint 1 as root: only joint 1 moves (by 30 mm), so after alignment
    # joints 0 and 2 are off by 30 mm and the root by 0: MPJPE = 20 mm.
    s = sample(0.0)
    s['pred_keypoints_3d'][1, 0] += 0.03
    assert run(Human36mMetric(root_index=1),
               [s])['mpjpe_mm'] == (pytest.approx(20.0))
    assert run(Human36mMetric(root_index=0),
               [s])['mpjpe_mm'] == (pytest.approx(10.0))


def test_scale_invariant_protocols():
    # pred root-relative = 2 * gt root-relative: P-MPJPE = N-MPJPE = 0,
    # MPJPE = mean |gt_rel| = (0 + 500 + 400) / 3 mm.
    gt = BASE + 1.0
    pred = 2 * BASE + 7.0
    m = run(Human36mMetric(),
            [dict(pred_keypoints_3d=pred, gt_keypoints_3d=gt, action='Sit')])
    assert m['mpjpe_mm'] == pytest.approx(300.0)
    assert m['p_mpjpe_mm'] == pytest.approx(0.0, abs=1e-9)
    assert m['n_mpjpe_mm'] == pytest.approx(0.0, abs=1e-9)


def test_n_mpjpe_hand_computed_in_metric():
    # Root-relative gt (mm): (0,0,0), (0,500,0), (0,0,400); pred joint 2 at 0.
    # s = <p,g>/<p,p> = 500^2 / 500^2 = 1 -> errors 0, 0, 400 -> 133.33 mm.
    pred = BASE.copy()
    pred[2] = 0.0
    m = run(Human36mMetric(),
            [dict(pred_keypoints_3d=pred, gt_keypoints_3d=BASE)])
    assert m['n_mpjpe_mm'] == pytest.approx(400.0 / 3)
    assert m['mpjpe_mm'] == pytest.approx(400.0 / 3)


def test_torch_inputs_and_multi_frame_samples():
    s = sample(30.0)
    s2 = sample(90.0, action='Eating')
    multi = dict(pred_keypoints_3d=torch.from_numpy(
        np.stack([s['pred_keypoints_3d']] * 2 +
                 [s2['pred_keypoints_3d']])).float(),
                 gt_keypoints_3d=torch.from_numpy(
                     np.stack([s['gt_keypoints_3d']] * 2 +
                              [s2['gt_keypoints_3d']])).float(),
                 action='Walking')
    m = run(Human36mMetric(), [multi])
    assert m['num_frames'] == 3
    assert m['mpjpe_mm'] == pytest.approx((20 + 20 + 60) / 3, rel=1e-5)


def test_any_action_names_and_missing_action():
    m = run(
        Human36mMetric(),
        [sample(30.0, 'zeta'),
         sample(30.0, 'alpha'),
         sample(30.0, 'Walking')])
    per_action = [k for k in m if k.startswith('p_mpjpe_mm/')]
    assert per_action == [
        'p_mpjpe_mm/Walking', 'p_mpjpe_mm/alpha', 'p_mpjpe_mm/zeta'
    ]
    m = run(Human36mMetric(), [sample(30.0, None), sample(90.0, None)])
    assert set(k for k in m if '/' in k) == {
        'mpjpe_mm/all', 'p_mpjpe_mm/all', 'n_mpjpe_mm/all'
    }
    assert m['mpjpe_mm'] == pytest.approx(40.0)


def test_mean_pose_baseline():
    # Mean pose = BASE (given with a non-zero root: it is root-aligned).
    # Walking gt = BASE -> baseline 0; Eating gt has joints 1, 2 moved by
    # 60 mm -> baseline 40 mm. 3 Walking frames, 1 Eating frame:
    # action-weighted 20 mm (frame-weighted would be 10 mm).
    eating = sample(0.0, 'Eating')
    eating['gt_keypoints_3d'][1:, 1] += 0.06
    samples = [sample(0.0) for _ in range(3)] + [eating]
    metric = Human36mMetric(mean_pose=BASE + 4.0)
    m = run(metric, samples)
    assert m['baseline_mean_pose_mpjpe_mm'] == pytest.approx(20.0)
    # set_mean_pose and removal
    metric = Human36mMetric()
    assert 'baseline_mean_pose_mpjpe_mm' not in run(metric, samples[:1])
    metric.results.clear()
    metric.set_mean_pose(torch.from_numpy(BASE))
    assert run(metric,
               samples)['baseline_mean_pose_mpjpe_mm'] == (pytest.approx(20.0))
    with pytest.raises(ValueError, match=r'\(J, 3\)'):
        metric.set_mean_pose(np.zeros((3, 2)))
    metric.set_mean_pose(np.zeros((5, 3)))
    with pytest.raises(ValueError, match='mean_pose'):
        metric.process(None, samples[:1])


def test_bad_inputs_raise_clear_errors():
    metric = Human36mMetric()
    with pytest.raises(KeyError, match='gt_keypoints_3d'):
        metric.process(None, [dict(pred_keypoints_3d=BASE)])
    bad = sample(0.0, frame=12)
    bad['gt_keypoints_3d'] = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r'\(4, 3\)'):
        metric.process(None, [bad])
    with pytest.raises(ValueError, match='root_index'):
        Human36mMetric(root_index=7).process(None, [sample(0.0)])
    with pytest.raises(ValueError, match='no samples'):
        metric.compute_metrics([])


def test_evaluator_prefix_and_padding_truncation():
    evaluator = Evaluator(
        dict(type='Human36mMetric', prefix='h36m', _scope_='mpm'))
    samples = [sample(30.0),
               sample(90.0, 'Eating'),
               sample(300.0, 'Eating')]  # last one: a padded duplicate
    evaluator.process(samples[:2])
    evaluator.process(samples[2:])
    out = evaluator.evaluate(size=2)
    assert out['h36m/mpjpe_mm'] == pytest.approx(40.0)
    assert out['h36m/mpjpe_mm/Eating'] == pytest.approx(60.0)
    assert out['h36m/num_frames'] == 2
    # Without a prefix the keys are exactly as documented.
    metric = METRICS.build(dict(type='Human36mMetric'))
    metric.process(None, samples[:1])
    assert 'mpjpe_mm' in metric.evaluate(size=1)
