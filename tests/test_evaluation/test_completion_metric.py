"""CompletionMetric against hand-computed cases; Table 3 / 4 formatting."""
import numpy as np
import pytest

from mpm.evaluation.metrics import CompletionMetric
from mpm.evaluation.tables import format_tables

GT = np.array([[0., 0., 0.], [1., 0., 0.], [0., 1., 0.]])  # metres


def moved(offsets_mm, shift=(0., 0., 0.)):
    """GT with joint j moved by offsets_mm[j] mm along z, plus a shift."""
    pose = GT.copy()
    pose[:, 2] += np.asarray(offsets_mm) / 1000.0
    return pose + np.asarray(shift)


def sample(action, preds, hidden, gt=GT, task=None):
    out = dict(pred_keypoints_3d_per_setting=preds,
               hidden_joints_per_setting={
                   k: np.asarray(v, bool) for k, v in hidden.items()},
               gt_keypoints_3d=gt, action=action)
    if task is not None:
        out['completion_task'] = task
    return out


def hand_case():
    """Per sample: MPJPE over all / over hidden joints, in mm.

    left_leg:  A (Walking) errors 0, 3, 4 -> all 7/3, hidden {1, 2} 3.5
               B (Eating)  errors 0, 6, 0 -> all 2,   hidden {2}    0
               C (Eating)  errors 0       -> all 0,   hidden {1}    0
    right_leg: A errors 0, 0, 12 -> all 4, hidden {2} 12; B, C exact.
    """
    return [
        sample('Walking',
               dict(left_leg=moved([0, 3, 4], shift=(5., -2., 7.)),
                    right_leg=moved([0, 0, 12])),
               dict(left_leg=[0, 1, 1], right_leg=[0, 0, 1])),
        sample('Eating',
               dict(left_leg=moved([0, 6, 0]), right_leg=GT),
               dict(left_leg=[0, 0, 1], right_leg=[0, 1, 0])),
        sample('Eating',
               dict(left_leg=GT, right_leg=moved([0, 0, 0], (1., 1., 1.))),
               dict(left_leg=[0, 1, 0], right_leg=[0, 1, 1])),
    ]


def run(metric, batches):
    for batch in batches:
        metric.process({}, batch)
    return metric.compute_metrics(metric.results)


def test_hand_computed_case_action_weighted():
    metrics = run(CompletionMetric(), [hand_case()[:2], hand_case()[2:]])
    # left_leg: Walking 7/3, Eating (2 + 0) / 2 = 1 -> (7/3 + 1) / 2.
    assert metrics['mpjpe_mm/left_leg'] == pytest.approx(5 / 3)
    assert metrics['occluded_mpjpe_mm/left_leg'] == pytest.approx(
        (3.5 + 0) / 2)
    assert metrics['mpjpe_mm/right_leg'] == pytest.approx((4 + 0) / 2)
    assert metrics['occluded_mpjpe_mm/right_leg'] == pytest.approx(
        (12 + 0) / 2)
    assert metrics['mpjpe_mm'] == pytest.approx((5 / 3 + 2) / 2)
    assert metrics['occluded_mpjpe_mm'] == pytest.approx((1.75 + 6) / 2)
    assert metrics['num_frames'] == 3
    assert 'input_channels' not in metrics
    # Paper row order: right leg before left leg.
    keys = [k for k in metrics if k.startswith('mpjpe_mm/')]
    assert keys == ['mpjpe_mm/right_leg', 'mpjpe_mm/left_leg']


def test_sequences_settings_and_no_occluded():
    """(F, J, 3) windows: every frame counts; ``settings`` selects."""
    gt = np.stack([GT, GT])
    pred = np.stack([moved([0, 9, 0]), moved([0, 0, 0])])
    hidden = np.array([[0, 1, 0], [0, 0, 1]], bool)
    samples = [sample(None, dict(both_arms=pred, random_1=gt),
                      dict(both_arms=hidden, random_1=hidden), gt=gt,
                      task='3d_to_3d')]
    metrics = run(CompletionMetric(settings=['both_arms']), [samples])
    assert metrics['mpjpe_mm/both_arms'] == pytest.approx((3 + 0) / 2)
    assert metrics['occluded_mpjpe_mm/both_arms'] == pytest.approx(
        (9 + 0) / 2)
    assert 'mpjpe_mm/random_1' not in metrics
    assert metrics['num_frames'] == 2
    assert metrics['input_channels'] == 3
    plain = run(CompletionMetric(occluded=False),
                [[dict(pred_keypoints_3d_per_setting=dict(left_arm=pred),
                       gt_keypoints_3d=gt)]])
    assert plain['mpjpe_mm/left_arm'] == pytest.approx(1.5)
    assert not any(k.startswith('occluded') for k in plain)


def test_bad_samples_say_what_is_wrong():
    metric = CompletionMetric()
    with pytest.raises(KeyError, match='pred_keypoints_3d_per_setting'):
        metric.process({}, [dict(pred_keypoints_3d=GT, gt_keypoints_3d=GT)])
    with pytest.raises(ValueError, match="setting 'left_leg'"):
        metric.process({}, [sample('Walking', dict(left_leg=GT[:2]),
                                   dict(left_leg=[0, 1, 1]))])
    with pytest.raises(KeyError, match='hidden_joints_per_setting'):
        metric.process({}, [dict(pred_keypoints_3d_per_setting=dict(a=GT),
                                 gt_keypoints_3d=GT)])
    with pytest.raises(ValueError, match='no samples'):
        metric.compute_metrics([])
    with pytest.raises(KeyError, match=r"settings \['both_legs'\]"):
        run(CompletionMetric(settings=['both_legs']), [hand_case()])


TABLE3 = {
    'mpjpe_mm': 60.0, 'occluded_mpjpe_mm': 200.0,
    'mpjpe_mm/random_1': 41.25, 'mpjpe_mm/random_2': 44.0,
    'mpjpe_mm/both_legs': 70.0, 'mpjpe_mm/both_arms': 80.0,
    'mpjpe_mm/left_leg_arm': 60.0, 'mpjpe_mm/right_leg_arm': 64.75,
    'occluded_mpjpe_mm/random_1': 101.0, 'input_channels': 2,
    'num_frames': 10,
}


def test_table3_rows_ours_and_paper():
    text = CompletionMetric.format_table(TABLE3, method='ours')
    assert 'Table 3' in text and 'partial 2D' in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith('| Occluded'))
    assert header == ('| Occluded input | ours | ours (occluded joints) | '
                      'paper (MPM) |')
    rows = [line for line in lines
            if line.startswith('| ') and not line.startswith('| ---')][1:]
    assert [r.split(' | ')[0][2:] for r in rows] == [
        '1 random joint', '2 random joints', 'both legs', 'both arms',
        'left leg + left arm', 'right leg + right arm', 'Avg']
    assert rows[0] == '| 1 random joint | 41.2 | 101.0 | 40.5 |'
    assert rows[3] == '| both arms | 80.0 | - | 77.0 |'
    assert rows[5] == '| right leg + right arm | 64.8 | - | 56.3 |'
    # Avg: ours, and the mean of the paper's six numbers (334.3 / 6).
    assert rows[6] == '| Avg | 60.0 | 200.0 | 55.7 |'
    assert 'not measured here' in text


def test_table4_choice_and_several_methods():
    ours = {'mpjpe_mm': 20.0, 'mpjpe_mm/right_leg': 14.0,
            'mpjpe_mm/left_arm': 26.0}
    # No input_channels: every setting is a Table 4 limb -> Table 4.
    text = CompletionMetric.format_table(ours)
    assert 'Table 4' in text
    assert '| right leg | 14.0 | 13.0 |' in text
    assert '| left arm | 26.0 | 24.0 |' in text
    # The paper's average over the same rows: (13.0 + 24.0) / 2.
    assert '| Avg | 20.0 | 18.5 |' in text
    # input_channels=2 with limb settings: Table 3 (no paper number).
    text2 = CompletionMetric.format_table(dict(ours, input_channels=2))
    assert 'Table 3' in text2 and '| right leg | 14.0 | - |' in text2
    assert '| Avg | 20.0 | - |' in text2
    both = CompletionMetric.format_table({'a': ours, 'b': dict(
        ours, **{'mpjpe_mm/right_leg': 15.0})})
    assert '| Occluded input | a | b | paper (MPM) |' in both
    assert '| right leg | 14.0 | 15.0 | 13.0 |' in both
    with pytest.raises(ValueError, match='mpjpe_mm/<setting>'):
        CompletionMetric.format_table({'p_mpjpe_mm': 1.0})


def test_tools_table_hook_prints_completion_table():
    text = format_tables(TABLE3, dict(type='CompletionMetric'),
                         method='demo')
    assert '| 2 random joints | 44.0 | - | 41.5 |' in text
