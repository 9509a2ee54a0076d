"""Tests of the markdown tables and metric files."""
import csv
import json

import numpy as np
import pytest

from mpm.evaluation import Human36mMetric, action_table, write_metrics

METRICS = {
    'mpjpe_mm': 41.96,
    'p_mpjpe_mm': 33.04,
    'mpjpe_mm_frame_weighted': 42.51,
    'p_mpjpe_mm_frame_weighted': 34.0,
    'mpjpe_mm/Walking': 30.04,
    'mpjpe_mm/Directions': 40.0,
    'mpjpe_mm/custom': 55.56,
    'p_mpjpe_mm/Walking': 25.0,
    'p_mpjpe_mm/Directions': 31.26,
    'num_frames': 7,
}


def table_rows(text, title):
    """Rows (lists of cells) of the markdown table under ``### title``."""
    lines = text.splitlines()
    start = lines.index(f'### {title}') + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith('|'):
            break
        rows.append([c.strip() for c in line.strip('|').split('|')])
    return rows


def test_single_method_table_structure_and_format():
    text = action_table(METRICS, method='ours')
    rows = table_rows(text, 'Protocol #1 MPJPE (mm)')
    assert rows[0] == ['Method', 'Directions', 'Walking', 'custom', 'Avg']
    assert set(rows[1][1:]) == {'---:'} and rows[1][0] == '---'
    assert rows[2] == ['ours', '40.0', '30.0', '55.6', '42.0']
    assert len(rows) == 3
    rows2 = table_rows(text, 'Protocol #2 P-MPJPE (mm)')
    assert rows2[2] == ['ours', '31.3', '25.0', '-', '33.0']
    # N-MPJPE is absent from the metrics: no table for it.
    assert 'N-MPJPE' not in text
    assert 'Frame-weighted mean over all frames: ours 42.5' in text
    assert 'Frame-weighted mean over all frames: ours 34.0' in text
    assert text.index('Protocol #1') < text.index('Protocol #2')


def test_several_methods_and_explicit_actions():
    other = {'mpjpe_mm': 50.0, 'mpjpe_mm/Walking': 45.0}
    text = action_table({
        'P-STMO': other,
        'MPM': METRICS
    },
                        protocols=[('mpjpe_mm', 'MPJPE')],
                        actions=['Walking', 'Eating'])
    rows = table_rows(text, 'MPJPE')
    assert rows[0] == ['Method', 'Walking', 'Eating', 'Avg']
    assert rows[2] == ['P-STMO', '45.0', '-', '50.0']
    assert rows[3] == ['MPM', '30.0', '-', '42.0']
    assert 'Frame-weighted mean over all frames: MPM 42.5.' in text


def test_table_errors():
    with pytest.raises(ValueError, match='protocol keys'):
        action_table({'foo': 1.0})
    with pytest.raises(TypeError):
        action_table([1, 2])


def test_write_metrics_round_trip(tmp_path):
    metrics = dict(METRICS,
                   n_mpjpe_mm=np.float64(1 / 3),
                   num_frames=np.int64(7))
    metrics['n_mpjpe_mm/Walking'] = 0.1 + 0.2
    json_path, csv_path = write_metrics(metrics,
                                        str(tmp_path / 'out'),
                                        extra={'config': 'a.py'})
    with open(json_path) as f:
        raw = f.read()
    loaded = json.loads(raw)
    assert loaded.pop('config') == 'a.py'
    assert loaded == {
        k: float(v) if k != 'num_frames' else 7
        for k, v in metrics.items()
    }
    assert isinstance(loaded['num_frames'], int)
    keys_in_file = [k for k in json.loads(raw)]
    assert keys_in_file == sorted(keys_in_file)

    with open(csv_path, newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['action', 'mpjpe_mm', 'p_mpjpe_mm', 'n_mpjpe_mm']
    assert [r[0]
            for r in rows[1:]] == ['Directions', 'Walking', 'custom', 'Avg']
    walking = rows[2]
    assert float(walking[1]) == 30.04
    assert float(walking[3]) == 0.1 + 0.2  # full precision
    assert rows[3][2] == '' and rows[3][3] == ''  # missing values
    assert [float(v) for v in rows[4][1:]] == [41.96, 33.04, 1 / 3]


def test_write_metrics_rejects_collisions_and_nested(tmp_path):
    with pytest.raises(ValueError, match='collide'):
        write_metrics(METRICS, str(tmp_path), extra={'mpjpe_mm': 1})
    with pytest.raises(TypeError):
        write_metrics({'a': METRICS}, str(tmp_path))


def test_metric_output_feeds_the_table(tmp_path):
    gt = np.zeros((2, 3))
    gt[1, 0] = 0.5
    metric = Human36mMetric()
    metric.process(None, [
        dict(pred_keypoints_3d=gt + [[0, 0, 0], [0.01, 0, 0]],
             gt_keypoints_3d=gt,
             action=a) for a in ('Walking', 'Eating')
    ])
    metrics = metric.compute_metrics(metric.results)
    text = action_table(metrics)
    rows = table_rows(text, 'Protocol #1 MPJPE (mm)')
    assert rows[0] == ['Method', 'Eating', 'Walking', 'Avg']
    assert rows[2] == ['mpm', '5.0', '5.0', '5.0']
    assert 'N-MPJPE (mm)' in text
    json_path, _ = write_metrics(metrics, str(tmp_path))
    with open(json_path) as f:
        assert json.load(f)['mpjpe_mm'] == pytest.approx(5.0)


def test_format_tables_dispatches_to_the_metric_class():
    from mpm.evaluation import format_tables
    cfg = dict(type='Human36mMetric')
    assert format_tables(METRICS, cfg, method='ours') == action_table(
        METRICS, method='ours')
    # A list of evaluator configs and the Evaluator(metrics=...) form.
    text = format_tables(METRICS, dict(type='Evaluator', metrics=[cfg]),
                         method='ours')
    assert '| ours |' in text
    # No evaluator config: the flat list, nothing dropped.
    flat = format_tables({'mpjpe_mm': 12.34, 'num_frames': 7}, None)
    assert 'mpjpe_mm: 12.3' in flat and 'num_frames: 7' in flat
