"""MpiInf3dhpMetric against hand-computed PCK / AUC / MPJPE.

Poses use coordinates that are multiples of 1/16 m and joint errors of
62.5, 125 and 250 mm: all exact in binary floating point, so an error of
exactly 125 mm sits exactly on the 125 mm AUC threshold.
"""
import numpy as np
import pytest
import torch

from mpm.evaluation.metrics import MpiInf3dhpMetric
from mpm.evaluation.tables import format_tables
from mpm.registry import METRICS
from mpm.utils.skeleton import MPI_INF_3DHP_TO_H36M

ROOT = 14
SPINE, HEAD = 15, 16
GT = np.random.default_rng(0).integers(-16, 16, (17, 3)) / 16.0  # metres
SHIFT = np.array([0.25, -0.5, 1.0])  # global translation of the prediction

#: per-joint x errors (m) of case A: PCK joints 0-6 at 62.5 mm, 7-10 at
#: 125 mm, 11-13 at 250 mm; spine and head 250 mm; pelvis 0.
ERR_A = np.array([0.0625] * 7 + [0.125] * 4 + [0.25] * 3 + [0.0, 0.25, 0.25])
# Hand numbers of case A (thresholds 0, 5, ..., 150: 31 values):
# PCK@150: 11 of 14 joints below 150 mm.
PCK_A = 11 / 14 * 100
# AUC: a 62.5 mm joint is correct at 65..150 (18 thresholds), a 125 mm
# joint at 130..150 (5; not at 125 itself), a 250 mm joint never.
AUC_A = (7 * 18 + 4 * 5) / (14 * 31) * 100
# MPJPE over 17 joints.
MPJPE_A = (7 * 62.5 + 4 * 125 + 3 * 250 + 0 + 250 + 250) / 17


def sample(errors_m, sequence='TS1', valid=1, **extra):
    pred = GT + SHIFT
    pred = pred.copy()
    pred[:, 0] += errors_m
    out = dict(pred_keypoints_3d=pred, gt_keypoints_3d=GT.copy(),
               sequence=sequence, valid=valid, frame=0, **extra)
    return out


def run(metric, samples, batch_size=2):
    for i in range(0, len(samples), batch_size):
        metric.process(None, samples[i:i + batch_size])
    return metric.compute_metrics(metric.results)


def test_hand_computed_single_frame():
    m = run(MpiInf3dhpMetric(), [sample(ERR_A)])
    assert m['pck_150mm'] == pytest.approx(PCK_A)          # 78.571
    assert m['auc'] == pytest.approx(AUC_A)                # 33.641
    assert m['mpjpe_mm'] == pytest.approx(MPJPE_A)         # 128.676
    assert m['num_frames'] == 1
    assert m['pck_150mm/TS1'] == pytest.approx(PCK_A)
    assert m['num_frames/TS1'] == 1


def test_exact_threshold_is_not_correct():
    # 125 mm errors at a 125 mm PCK threshold do not count (error < t).
    m = run(MpiInf3dhpMetric(pck_threshold=125), [sample(ERR_A)])
    assert m['pck_125mm'] == pytest.approx(7 / 14 * 100)
    assert 'pck_150mm' not in m
    # thresholds (125, 130): a 125 mm joint counts only at 130
    m = run(MpiInf3dhpMetric(auc_thresholds=(125, 130)), [sample(ERR_A)])
    assert m['auc'] == pytest.approx((7 + 11) / 28 * 100)


def test_root_spine_head_errors_do_not_change_pck():
    errors = np.zeros(17)
    errors[[SPINE, HEAD]] = 0.5  # 500 mm, excluded from PCK / AUC
    m = run(MpiInf3dhpMetric(), [sample(errors)])
    assert m['pck_150mm'] == 100.0
    assert m['auc'] == pytest.approx(30 / 31 * 100)  # 0 mm fails only t = 0
    assert m['mpjpe_mm'] == pytest.approx(2 * 500 / 17)
    # a root error moves the whole root-relative prediction
    errors = np.zeros(17)
    errors[ROOT] = 0.25
    m = run(MpiInf3dhpMetric(), [sample(errors)])
    assert m['mpjpe_mm'] == pytest.approx(16 * 250 / 17)
    assert m['pck_150mm'] == 0.0


def test_per_sequence_frame_weighted_and_valid_filter():
    zero = np.zeros(17)
    samples = [sample(ERR_A, 'TS1'), sample(ERR_A, 'TS1'),
               sample(zero, 'TS5'),
               sample(np.full(17, 2.0), 'TS5', valid=0),   # ignored
               sample(np.full(17, 2.0), 'TS2', valid=0)]   # ignored
    m = run(MpiInf3dhpMetric(), samples)
    assert m['num_frames'] == 3
    assert m['num_frames/TS1'] == 2 and m['num_frames/TS5'] == 1
    assert 'mpjpe_mm/TS2' not in m
    assert m['pck_150mm/TS5'] == 100.0
    assert m['auc/TS5'] == pytest.approx(30 / 31 * 100)
    assert m['mpjpe_mm/TS5'] == 0.0
    assert m['pck_150mm'] == pytest.approx((2 * 11 + 14) / 42 * 100)
    assert m['auc'] == pytest.approx(
        (2 * (7 * 18 + 4 * 5) + 14 * 30) / (3 * 14 * 31) * 100)
    assert m['mpjpe_mm'] == pytest.approx(2 * MPJPE_A / 3)
    seq_keys = [k for k in m if k.startswith('mpjpe_mm/')]
    assert seq_keys == ['mpjpe_mm/TS1', 'mpjpe_mm/TS5']


def test_multi_frame_samples_torch_and_frame_valid_flags():
    pred = np.stack([sample(ERR_A)['pred_keypoints_3d'],
                     sample(np.zeros(17))['pred_keypoints_3d'],
                     sample(np.ones(17))['pred_keypoints_3d']])
    gt = np.broadcast_to(GT, pred.shape).copy()
    s = dict(pred_keypoints_3d=torch.as_tensor(pred),
             gt_keypoints_3d=torch.as_tensor(gt), sequence='TS3',
             valid=torch.tensor([1, 1, 0]))
    m = run(MpiInf3dhpMetric(), [s])
    assert m['num_frames'] == 2
    assert m['pck_150mm'] == pytest.approx((11 + 14) / 28 * 100)
    assert m['mpjpe_mm'] == pytest.approx(MPJPE_A / 2)


def test_against_independent_numpy_reference():
    rng = np.random.default_rng(3)
    gt = rng.normal(0, 0.3, (40, 17, 3))
    pred = gt + rng.normal(0, 0.08, (40, 17, 3)) + rng.normal(0, 1, (40, 1,
                                                                    3))
    valid = rng.integers(0, 2, 40)
    samples = [dict(pred_keypoints_3d=p, gt_keypoints_3d=g, valid=v,
                    sequence=f'TS{1 + i % 3}')
               for i, (p, g, v) in enumerate(zip(pred, gt, valid))]
    m = run(MpiInf3dhpMetric(), samples, batch_size=7)
    keep = valid == 1
    p = (pred - pred[:, 14:15]) * 1000
    g = (gt - gt[:, 14:15]) * 1000
    err = np.sqrt(((p - g)**2).sum(-1))[keep]  # (F, 17)
    err14 = err[:, :14]
    assert m['pck_150mm'] == pytest.approx(np.mean(err14 < 150) * 100)
    assert m['auc'] == pytest.approx(
        np.mean([np.mean(err14 < t) for t in range(0, 151, 5)]) * 100)
    assert m['mpjpe_mm'] == pytest.approx(err.mean())
    assert m['num_frames'] == keep.sum()


def test_h36m_joint_order_gives_same_numbers():
    idx = list(MPI_INF_3DHP_TO_H36M)
    s = sample(ERR_A)
    s_h36m = dict(s, pred_keypoints_3d=s['pred_keypoints_3d'][idx],
                  gt_keypoints_3d=s['gt_keypoints_3d'][idx])
    a = run(MpiInf3dhpMetric(), [s])
    b = run(MpiInf3dhpMetric(joint_order='h36m'), [s_h36m])
    assert b == pytest.approx(a)
    with pytest.raises(ValueError, match='joint_order'):
        MpiInf3dhpMetric(joint_order='coco')


def test_registry_evaluate_and_errors():
    metric = METRICS.build(dict(type='MpiInf3dhpMetric'))
    metric.process(None, [sample(ERR_A), sample(ERR_A)])
    out = metric.evaluate(2)
    assert out['pck_150mm'] == pytest.approx(PCK_A)
    metric = MpiInf3dhpMetric()
    with pytest.raises(KeyError, match='gt_keypoints_3d'):
        metric.process(None, [dict(pred_keypoints_3d=GT)])
    with pytest.raises(ValueError, match='must both be'):
        metric.process(None, [dict(pred_keypoints_3d=GT,
                                   gt_keypoints_3d=GT[:16])])
    with pytest.raises(ValueError, match='17 MPI-INF-3DHP joints'):
        metric.process(None, [dict(pred_keypoints_3d=GT[:10],
                                   gt_keypoints_3d=GT[:10])])
    metric.process(None, [sample(ERR_A, valid=0)])
    with pytest.raises(ValueError, match='no valid frame'):
        metric.compute_metrics(metric.results)


def table_rows(text, title):
    lines = text.splitlines()
    start = lines.index(title) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith('|'):
            break
        rows.append([c.strip() for c in line.strip('|').split('|')])
    return rows


def test_format_table():
    m = run(MpiInf3dhpMetric(),
            [sample(ERR_A, 'TS1'), sample(np.zeros(17), 'TS5')])
    text = MpiInf3dhpMetric.format_table(m, method='ours')
    rows = table_rows(text, '### MPI-INF-3DHP (Table 2, GT 2D)')
    assert rows[0][0] == 'Method' and 'PCK' in rows[0][1]
    assert rows[2] == ['P-STMO (paper, 81 f)', '97.9', '75.8', '32.2']
    assert rows[3] == ['MPM (paper, 243 f)', '98.4', '80.0', '29.1']
    pck = (11 + 14) / 28 * 100
    auc = ((7 * 18 + 4 * 5) + 14 * 30) / (2 * 14 * 31) * 100
    assert rows[4] == ['ours', f'{pck:.1f}', f'{auc:.1f}',
                       f'{MPJPE_A / 2:.1f}']
    seq = table_rows(text, '### MPI-INF-3DHP per sequence (ours)')
    assert [r[0] for r in seq[2:]] == ['TS1', 'TS5', 'All']
    assert seq[2] == ['TS1', '1', f'{PCK_A:.1f}', f'{AUC_A:.1f}',
                      f'{MPJPE_A:.1f}']
    assert seq[4][1] == '2'
    plain = MpiInf3dhpMetric.format_table(m, with_paper=False)
    assert 'paper' not in plain and '| mpm |' in plain
    both = MpiInf3dhpMetric.format_table({'a': m, 'b': {'mpjpe_mm': 1.0}})
    rows = table_rows(both, '### MPI-INF-3DHP (Table 2, GT 2D)')
    assert rows[5] == ['b', '-', '-', '1.0']
    # tools/test.py goes through format_tables with the test evaluator
    assert format_tables(m, dict(type='MpiInf3dhpMetric'), 'ours') == text


def test_mean_pose_baseline():
    # the mean pose equals the prediction of case A, shifted: same scores
    mean = sample(ERR_A)['pred_keypoints_3d'] + 3.0
    metric = MpiInf3dhpMetric(mean_pose=mean.tolist())
    m = run(metric, [sample(np.zeros(17)), sample(np.zeros(17), 'TS2')])
    assert m['mpjpe_mm'] == 0.0
    assert m['baseline_mean_pose_mpjpe_mm'] == pytest.approx(MPJPE_A)
    assert m['baseline_mean_pose_pck_150mm'] == pytest.approx(PCK_A)
    assert m['baseline_mean_pose_auc'] == pytest.approx(AUC_A)
    with pytest.raises(ValueError, match='mean_pose'):
        MpiInf3dhpMetric(mean_pose=np.zeros((17, 2)))
