"""Per-frame action labels on built-in motion (the motion corpus, the
synthetic Human3.6M) and BABEL labels on AMASS, through one path: a
window's ``meta['action']`` is its centre frame's label."""
import json
import os.path as osp

import numpy as np
import pytest

from mpm.datasets import AmassDataset, Human36mDataset
from mpm.datasets.action_labels import ActionVocabulary
from mpm.datasets.frame_action_labels import (babel_sequence_name,
                                              names_of_label_ids)
from mpm.datasets.synthetic import generate_synthetic_h36m
from mpm.datasets.synthetic.corpus import generate_motion_corpus
from mpm.datasets.synthetic.motion_families import FAMILY_NAMES


@pytest.fixture(scope='module')
def corpus_file(tmp_path_factory):
    out = tmp_path_factory.mktemp('corpus')
    return generate_motion_corpus(str(out), seed=0, num_sequences=2)


def test_corpus_windows_carry_the_centre_frame_family(corpus_file):
    # the file's own labels, read with plain numpy
    with np.load(corpus_file, allow_pickle=True) as data:
        ids = data['labels'].item()
        families = list(data['metadata'].item()['families'])
    assert families == list(FAMILY_NAMES)
    ds = AmassDataset(data_root=osp.dirname(corpus_file),
                      ann_file=osp.basename(corpus_file), seq_len=9,
                      dilation=1, modality='3d', camera='virtual',
                      downsample=2)
    name = ds.sequences[0]
    labels = ids[name][::1]
    change = int(np.flatnonzero(np.diff(labels))[0]) + 1  # first transition
    assert labels[change] != labels[change - 1]
    frames_per_seq = len(range(0, len(labels), 2))
    assert len(ds) >= frames_per_seq
    got = [ds[i]['meta']['action'] for i in range(frames_per_seq)]
    assert ds[0]['meta']['sequence'] == name
    want = [families[labels[2 * c]] for c in range(frames_per_seq)]
    assert got == want
    # the label switches at the window whose centre crosses the transition
    first = change // 2 + (change % 2)
    assert got[first] == families[labels[change]]
    assert got[first - 1] == families[labels[change - 1]]
    # ActionPose's vocabulary reads them
    vocab = ActionVocabulary('corpus')
    assert vocab.encode(got).tolist() == [labels[2 * c]
                                          for c in range(frames_per_seq)]
    none = AmassDataset(data_root=osp.dirname(corpus_file),
                        ann_file=osp.basename(corpus_file), seq_len=9,
                        modality='3d', camera='virtual', action_labels=None)
    assert none[0]['meta']['action'] == ''


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic')
    generate_synthetic_h36m(str(out), num_frames=60, subjects=['S1'],
                            actions=['Walking', 'Squatting'], trials=1)
    return str(out)


def test_synthetic_h36m_file_has_per_frame_labels(synthetic_root):
    path = osp.join(synthetic_root, 'data_3d_h36m.npz')
    with np.load(path, allow_pickle=True) as data:
        ids = data['labels'].item()
        names = [str(x) for x in data['label_names']]
    assert ids['S1']['Squatting'].shape == (60, )
    assert {names[i] for i in ids['S1']['Squatting']} == {'Squatting'}
    ds = Human36mDataset(synthetic_root, file_2d='data_2d_h36m_gt.npz',
                         subjects=['S1'], seq_len=5, cameras=[0])
    actions = {ds[i]['meta']['sequence']: ds[i]['meta']['action']
               for i in range(len(ds))}
    assert actions == {'Walking': 'Walking', 'Squatting': 'Squatting'}


def test_a_transition_inside_a_sequence_changes_the_label(synthetic_root,
                                                          tmp_path):
    # the same 3D file with a transition Squatting -> Walking at frame 37
    src = osp.join(synthetic_root, 'data_3d_h36m.npz')
    with np.load(src, allow_pickle=True) as data:
        pos = data['positions_3d'].item()
        ids = data['labels'].item()
        names = data['label_names']
    squat = ids['S1']['Squatting'].copy()
    walk_id = [str(x) for x in names].index('Walking')
    squat[37:] = walk_id
    ids['S1']['Squatting'] = squat
    np.savez(tmp_path / 'data_3d_h36m.npz', positions_3d=pos, labels=ids,
             label_names=names)
    ds = Human36mDataset(str(tmp_path), file_3d=str(tmp_path /
                                                    'data_3d_h36m.npz'),
                         file_2d=osp.join(synthetic_root,
                                          'data_2d_h36m_gt.npz'),
                         subjects=['S1'], actions=['Squatting'], seq_len=5,
                         cameras=[0], downsample=2)
    got = [(ds[i]['meta']['frame'], ds[i]['meta']['action'])
           for i in range(len(ds))]
    # downsampled frame c is raw frame 2c: 2c < 37 <=> c <= 18
    assert got == [(c, 'Squatting' if 2 * c < 37 else 'Walking')
                   for c in range(30)]
    plain = Human36mDataset(str(tmp_path), file_3d=str(
        tmp_path / 'data_3d_h36m.npz'), file_2d=osp.join(
            synthetic_root, 'data_2d_h36m_gt.npz'), subjects=['S1'],
        actions=['Squatting'], seq_len=5, cameras=[0], action_labels=None)
    assert {plain[i]['meta']['action'] for i in range(len(plain))} == {
        'Squatting'}


BABEL = {
    '7': {'babel_sid': 7, 'feat_p': 'CMU/CMU/86/86_04_poses.npz', 'dur': 1.0,
          'seq_ann': {'labels': [{'proc_label': 'walk and wave'}]},
          'frame_ann': {'labels': [
              {'proc_label': 'walk', 'act_cat': ['walk'], 'start_t': 0.0,
               'end_t': 0.6},
              {'proc_label': 'wave', 'act_cat': ['wave'], 'start_t': 0.4,
               'end_t': 0.6},
              {'proc_label': 'stand', 'act_cat': ['stand'], 'start_t': 0.8,
               'end_t': 1.0}]}},
    '9': {'babel_sid': 9, 'feat_p': 'BMLrub/BMLrub/x/other.npz', 'dur': 1.0,
          'seq_ann': {'labels': [{'proc_label': 'jump'}]}, 'frame_ann': None},
}


def test_babel_labels_on_amass_through_the_same_path(tmp_path):
    rng = np.random.default_rng(0)
    pos = {'CMU/86/86_04_poses': (rng.normal(size=(50, 17, 3)) * 0.2 +
                                  [0, 0, 1]).astype(np.float32),
           'CMU/unlabelled': np.ones((50, 17, 3), np.float32)}
    np.savez(tmp_path / 'amass.npz', positions_3d=pos,
             metadata=dict(fps=50.0, up_axis='z'))
    babel = tmp_path / 'train.json'
    babel.write_text(json.dumps(BABEL))
    ds = AmassDataset(data_root=str(tmp_path), ann_file='amass.npz',
                      seq_len=3, modality='3d', camera='virtual',
                      action_labels=str(babel))
    assert ds.sequences == ['CMU/86/86_04_poses', 'CMU/unlabelled']
    got = [ds[i]['meta']['action'] for i in range(50)]
    # at 50 fps: walk [0, 0.4) s, wave [0.4, 0.6), none, stand [0.8, 1.0]
    assert got == ['walk'] * 20 + ['wave'] * 10 + [''] * 10 + ['stand'] * 10
    assert {ds[i]['meta']['action'] for i in range(50, 100)} == {''}
    other = tmp_path / 'other.json'
    other.write_text(json.dumps({'9': BABEL['9']}))
    with pytest.raises(ValueError, match='annotates none'):
        AmassDataset(data_root=str(tmp_path), ann_file='amass.npz',
                     seq_len=3, camera='virtual', action_labels=str(other))
    with pytest.raises(ValueError, match="no per-frame 'labels'"):
        AmassDataset(data_root=str(tmp_path), ann_file='amass.npz',
                     seq_len=3, camera='virtual', action_labels='file')


def test_helpers():
    assert babel_sequence_name('CMU/CMU/86/86_04_poses.npz') == \
        'CMU/86/86_04_poses'
    assert babel_sequence_name('KIT/3/walk.npz') == 'KIT/3/walk'
    got = names_of_label_ids(np.array([1, 0, 1], np.int16), ['a', 'b'], 3,
                             'x')
    assert got.tolist() == ['b', 'a', 'b']
    with pytest.raises(ValueError, match=r'\(4,\) integers'):
        names_of_label_ids(np.array([1, 0, 1]), ['a', 'b'], 4, 'x')
    with pytest.raises(ValueError, match=r'in 0\.\.1'):
        names_of_label_ids(np.array([2, 0]), ['a', 'b'], 2, 'x')
