"""BABEL reader (per-frame labels) and the action-label vocabulary."""
import json

import numpy as np
import pytest

from mpm.datasets.action_labels import ActionVocabulary, canonical_label
from mpm.datasets.babel import (babel_label_set, dominant_frame_labels,
                                frame_labels, load_babel, window_label)

BABEL = {
    '7': {
        'babel_sid': 7, 'feat_p': 'CMU/86/86_04_poses.npz', 'dur': 1.0,
        'seq_ann': {'labels': [{'proc_label': 'walk and wave',
                                'act_cat': ['walk', 'wave']}]},
        'frame_ann': {'labels': [
            {'proc_label': 'walk', 'raw_label': 'walking',
             'act_cat': ['walk'], 'start_t': 0.0, 'end_t': 0.6},
            {'proc_label': 'wave', 'raw_label': 'waving hand',
             'act_cat': ['wave', 'gesture'], 'start_t': 0.4,
             'end_t': 0.6},
            {'proc_label': 'stand', 'raw_label': 'stand',
             'act_cat': ['stand'], 'start_t': 0.8, 'end_t': 1.0},
        ]},
    },
    '8': {
        'babel_sid': 8, 'feat_p': 'BMLrub/x.npz', 'dur': 0.5,
        'seq_ann': {'labels': [{'proc_label': 'jump',
                                'act_cat': ['jump']}]},
        'frame_ann': None,
    },
}


@pytest.fixture
def babel(tmp_path):
    path = tmp_path / 'train.json'
    path.write_text(json.dumps(BABEL))
    return load_babel(str(path))


def test_frame_labels_at_10_fps(babel):
    seq = babel['7']
    assert seq.frame_level and seq.num_frames(10) == 10
    assert seq.feat_p == 'CMU/86/86_04_poses.npz'
    # frame i at i / 10 s; [start, end) except at the sequence end
    want = [['walk']] * 4 + [['walk', 'wave']] * 2 + [[]] * 2 + \
        [['stand']] * 2
    assert frame_labels(seq, fps=10) == want
    cats = frame_labels(seq, fps=10, key='act_cat')
    assert cats[4] == ['walk', 'wave', 'gesture'] and cats[7] == []
    raw = frame_labels(seq, fps=10, key='raw_label')
    assert raw[5] == ['walking', 'waving hand']


def test_frame_labels_other_fps_and_length(babel):
    seq = babel['7']
    got = frame_labels(seq, fps=5)  # t = 0, .2, .4, .6, .8, (1.0)
    assert got == [['walk'], ['walk'], ['walk', 'wave'], [], ['stand']]
    # asking for one more frame: t = 1.0 is the end of 'stand' and of the
    # sequence, so it is covered
    assert frame_labels(seq, fps=5, num_frames=6)[5] == ['stand']


def test_sequence_labels_when_no_frame_annotation(babel):
    seq = babel['8']
    assert not seq.frame_level
    assert frame_labels(seq, fps=10) == [['jump']] * 5


def test_dominant_labels_prefer_the_shortest_segment(babel):
    got = dominant_frame_labels(babel['7'], fps=10, none_label='none')
    assert got == ['walk'] * 4 + ['wave'] * 2 + ['none'] * 2 + ['stand'] * 2
    assert window_label(got, 5) == 'wave'
    assert dominant_frame_labels(babel['7'], fps=10,
                                 key='act_cat')[4] == 'wave'


def test_label_set(babel):
    assert babel_label_set(babel) == ['jump', 'stand', 'walk', 'wave']
    assert babel_label_set(babel, 'act_cat') == ['gesture', 'jump', 'stand',
                                                 'walk', 'wave']


@pytest.mark.parametrize('broken,match', [
    ({'1': {'dur': 1.0, 'frame_ann': {'labels': [
        {'proc_label': 'walk', 'start_t': 0.0}]}}}, "lacks 'end_t'"),
    ({'1': {'dur': 1.0, 'frame_ann': {'labels': [
        {'act_cat': ['walk'], 'start_t': 0.0, 'end_t': 1.0}]}}},
     "'proc_label'"),
    ({'1': {'feat_p': 'x'}}, "'dur'"),
    ({'1': {'dur': 1.0, 'frame_ann': {'labels': [
        {'proc_label': 'a', 'start_t': 0.5, 'end_t': 0.2}]}}},
     'end_t 0.2 < start_t 0.5'),
])
def test_bad_babel_files_fail_clearly(tmp_path, broken, match):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(broken))
    with pytest.raises(ValueError, match=match):
        load_babel(str(path))
    with pytest.raises(FileNotFoundError, match='BABEL'):
        load_babel(str(tmp_path / 'missing.json'))


def test_vocabulary_h36m_and_synthetic():
    h36m = ActionVocabulary('h36m')
    assert len(h36m) == 15 and h36m.names[0] == 'Directions'
    got = h36m.encode(['Walking', 'walk dog', 'Sitting Down', 'PHOTO'])
    np.testing.assert_array_equal(got, [13, 12, 9, 5])
    assert got.dtype == np.int64
    synthetic = ActionVocabulary('synthetic')
    assert synthetic.names == ('Walking', 'SittingDown', 'Waving',
                               'Squatting', 'Turning', 'Reaching')
    assert canonical_label('Sitting_Down') == 'sittingdown'


def test_vocabulary_unknown_labels_and_aliases():
    vocab = ActionVocabulary(['walk', 'wave'], aliases={'waving': 'wave'})
    assert vocab.encode(['waving', 'walk']).tolist() == [1, 0]
    with pytest.raises(KeyError, match='jump.{0,4} is not in the vocabulary'):
        vocab.encode(['jump'])
    assert vocab.encode(['jump', 'wave'], unknown='ignore').tolist() == [
        -100, 1]
    with pytest.raises(ValueError, match='same class'):
        ActionVocabulary(['SittingDown', 'sitting_down'])
    with pytest.raises(ValueError, match="unknown label set 'kinetics'"):
        ActionVocabulary('synthetic+kinetics')


def test_named_label_sets_and_unions():
    assert len(ActionVocabulary('babel')) == 150
    corpus = ActionVocabulary('corpus')
    assert 'jumping jacks' in corpus and 'walk backwards' in corpus
    union = ActionVocabulary('synthetic+corpus')
    # the six synthetic actions, then the 26 families (none repeats)
    assert union.names[:6] == ActionVocabulary('synthetic').names
    assert union.names[6:] == corpus.names and len(union) == 32
    # a label in two sets counts once
    assert len(ActionVocabulary('corpus+babel')) == len(
        set(corpus.names) | set(ActionVocabulary('babel').names))
