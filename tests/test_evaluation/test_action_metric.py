"""ActionRecognitionMetric against hand-counted cases."""
import pytest
from mmengine.structures import BaseDataElement

from mpm.evaluation.metrics import ActionRecognitionMetric
from mpm.evaluation.tables import format_tables


def samples():
    # (label, zero-shot prediction, classifier prediction)
    rows = [('jump', 'jump', 'hop'), ('jump', 'kick', 'hop'),
            ('jump', 'Jump', 'hop'), ('kick', 'kick', 'punch'),
            ('Kneel', 'kneel', 'crouch'), ('walk', 'jump', 'walk'),
            ('', 'jump', 'walk')]
    return [dict(action=a, pred_action_zero_shot=z, pred_action=c)
            for a, z, c in rows]


def evaluate(metric, data):
    metric.process({}, data)
    return metric.evaluate(len(data))


def test_top1_mean_over_labels_and_per_label():
    m = evaluate(ActionRecognitionMetric(), samples())
    # six labelled windows ('' is skipped); zero-shot right: jump x2
    # (case ignored), kick, kneel -> 4 of 6
    assert m['zero_shot_top1_pct'] == pytest.approx(100 * 4 / 6)
    # per label: jump 2/3, kick 1/1, kneel 1/1, walk 0/1
    assert m['zero_shot_top1_pct/jump'] == pytest.approx(200 / 3)
    assert m['zero_shot_top1_pct/Kneel'] == 100.0
    assert [k.split('/')[1] for k in m if k.startswith('zero_shot_top1_pct/')
            ] == ['jump', 'kick', 'Kneel', 'walk']
    assert m['zero_shot_top1_pct/walk'] == 0.0
    assert m['zero_shot_mean_class_pct'] == pytest.approx(
        (200 / 3 + 100 + 100 + 0) / 4)
    # classifier: only 'walk' right
    assert m['action_top1_pct'] == pytest.approx(100 / 6)
    assert m['num_windows'] == 6
    assert 'text_top1_pct' not in m


def test_label_filter_keys_and_data_elements():
    data = [BaseDataElement(**s) for s in samples()]
    m = evaluate(ActionRecognitionMetric(labels=['jump', 'kick', 'kneel'],
                                         keys=['pred_action_zero_shot']),
                 data)
    # 'walk' is not a candidate: 5 windows, 4 right
    assert m['num_windows'] == 5
    assert m['zero_shot_top1_pct'] == pytest.approx(80.0)
    assert not any(k.startswith('action_') for k in m)
    table = format_tables(m, dict(type='ActionRecognitionMetric'), 'mine')
    assert '| mine | zero_shot | 80.0 | 88.9 | 66.7 | 100.0 | 100.0 |' \
        in table


def test_bad_arguments_and_nothing_to_score():
    with pytest.raises(ValueError, match='unknown prediction keys'):
        ActionRecognitionMetric(keys=['pred_pose'])
    with pytest.raises(ValueError, match='lists of strings'):
        ActionRecognitionMetric(labels='jump')
    metric = ActionRecognitionMetric(labels=['spin'])
    with pytest.raises(ValueError, match="labels \\['spin'\\]"):
        evaluate(metric, samples())
