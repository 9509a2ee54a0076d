"""The built-in motion corpus: AMASS file format, rigid bones, floor,
determinism, family coverage, transitions, AmassDataset reading it.

References are independent of the generator: bone lengths measured from
the written float32 positions, floor heights read from the arrays, the file
opened with plain numpy.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest

from mpm.datasets import AmassDataset
from mpm.datasets.synthetic import ACTIONS
from mpm.datasets.synthetic.corpus import (BODY_SCALE_RANGE, CORPUS_FILE,
                                           DEFAULT_NUM_SEQUENCES,
                                           MAIN_FAMILIES,
                                           build_motion_corpus,
                                           generate_motion_corpus,
                                           synthesize_sequence)
from mpm.datasets.synthetic.motion_families import (CONNECTOR_FAMILIES,
                                                    FAMILY_NAMES,
                                                    MOTION_FAMILIES,
                                                    family_slug)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
ISSUE_FAMILIES = (
    'run', 'jog', 'jump', 'hop', 'skip', 'side step', 'walk backwards',
    'climb steps', 'throw', 'punch', 'reach overhead', 'wave both arms',
    'clap', 'stretch', 'bend and pick up', 'crouch', 'lunge', 'kneel',
    'sit on the floor and stand up', 'kick', 'spin', 'dance')
N_SEQ = len(MAIN_FAMILIES)  # one sequence per family


@pytest.fixture(scope='module')
def corpus_file(tmp_path_factory):
    out = tmp_path_factory.mktemp('corpus')
    return generate_motion_corpus(str(out), seed=3, num_sequences=N_SEQ)


@pytest.fixture(scope='module')
def arrays(corpus_file):
    with np.load(corpus_file, allow_pickle=True) as f:
        return (f['positions_3d'].item(), f['labels'].item(),
                f['metadata'].item())


def test_file_format(corpus_file, arrays):
    assert osp.basename(corpus_file) == CORPUS_FILE
    pos, labels, meta = arrays
    assert meta['fps'] == 50 and meta['up_axis'] == 'z'
    assert meta['families'] == list(FAMILY_NAMES)
    assert len(pos) == N_SEQ and set(labels) == set(pos)
    for name, p in pos.items():
        family, index = name.split('/')
        assert index.isdigit()
        assert family in {family_slug(f) for f in MAIN_FAMILIES}
        assert p.dtype == np.float32 and p.ndim == 3 and p.shape[1:] == (17, 3)
        assert np.isfinite(p).all() and len(p) >= 16 * 50
        assert labels[name].shape == (len(p), )
        # Standing height: the head is 1.3-2.2 m above the floor at some time.
        assert 1.3 < p[:, 10, 2].max() < 2.3


def test_family_table_is_broad_and_readable():
    main = [f for f in MOTION_FAMILIES if f.group != 'connector']
    assert len(main) >= 20
    assert set(ISSUE_FAMILIES) <= set(MAIN_FAMILIES)
    assert not {a.lower() for a in ACTIONS} & set(MAIN_FAMILIES)
    assert {f.group for f in main} == {'locomotion', 'upper body',
                                       'whole body'}
    for name in FAMILY_NAMES:  # readable English: lower-case words
        assert all(w.isalpha() and w.islower() for w in name.split(' '))
    assert set(CONNECTOR_FAMILIES) == {'stand', 'walk'}


def test_every_family_present_with_transitions(arrays):
    pos, labels, _ = arrays
    seen = {name.split('/')[0] for name in pos}
    assert seen == {family_slug(f) for f in MAIN_FAMILIES}
    for name, lab in labels.items():
        main = FAMILY_NAMES.index(name.split('/')[0].replace('_', ' '))
        used = set(np.unique(lab).tolist())
        assert main in used
        # Transitions: connectors are active inside the sequence too, and
        # the label changes several times.
        assert used - {main} <= {FAMILY_NAMES.index(c)
                                 for c in CONNECTOR_FAMILIES}
        assert len(used) >= 2
        assert np.count_nonzero(np.diff(lab)) >= 2
        assert (lab == main).mean() > 0.4


def test_bones_are_rigid(arrays):
    pos, _, _ = arrays
    scales = []
    for name, p in pos.items():
        p = p.astype(np.float64)
        lengths = np.linalg.norm(p[:, 1:] - p[:, list(PARENTS[1:])], axis=-1)
        # float32 storage of positions up to ~25 m: ~1e-5 m.
        assert np.abs(lengths - lengths[0]).max() < 3e-5, name
        scales.append(lengths[0, 1] + lengths[0, 2])  # thigh + shin
    # Proportions vary across sequences (wider than the 7 subjects).
    assert max(scales) / min(scales) > 1.15


def test_feet_on_the_floor(arrays):
    pos, _, _ = arrays
    for name, p in pos.items():
        z = p[..., 2]
        assert z.min() >= 0.02, name  # nothing below the floor
        lowest = z.min(axis=1)
        # On the ground most of the time (jumps excepted), never far above.
        assert np.median(lowest) < 0.11, name
        assert lowest.max() < 0.9, name
        ankles = p[:, [3, 6], 2]
        assert ankles.min() > 0.05, name


def test_global_trajectory_and_turning(arrays):
    pos, _, _ = arrays
    travelled, turned = [], []
    for p in pos.values():
        root = p[:, 0, :2].astype(np.float64)
        travelled.append(np.linalg.norm(root[-1] - root[0]))
        hips = p[:, 4, :2] - p[:, 1, :2]
        heading = np.unwrap(np.arctan2(hips[:, 1], hips[:, 0]))
        turned.append(np.ptp(heading))
    assert max(travelled) > 5.0  # locomotion moves through the world
    assert np.median(turned) > 1.0  # the body turns (> 57 degrees)


def test_deterministic_and_seeded():
    a = build_motion_corpus(seed=1, num_sequences=3)
    b = build_motion_corpus(seed=1, num_sequences=3)
    c = build_motion_corpus(seed=2, num_sequences=3)
    assert list(a[0]) == list(b[0])
    for name in a[0]:
        np.testing.assert_array_equal(a[0][name], b[0][name])
        np.testing.assert_array_equal(a[1][name], b[1][name])
        assert a[0][name].shape != c[0][name].shape or not np.allclose(
            a[0][name], c[0][name])
    # A smaller corpus is a subset of a larger one.
    d = build_motion_corpus(seed=1, num_sequences=N_SEQ + 1)
    for name in a[0]:
        np.testing.assert_array_equal(a[0][name], d[0][name])


def test_default_size_is_over_30_minutes():
    assert DEFAULT_NUM_SEQUENCES >= 4 * len(MAIN_FAMILIES)
    # Each sequence lasts at least 16 s: the default covers > 30 min.
    assert DEFAULT_NUM_SEQUENCES * 16 / 60 >= 25
    rng = np.random.default_rng(0)
    pos, lab, body = synthesize_sequence('jump', rng)
    assert len(pos) == len(lab) >= 16 * 50
    assert BODY_SCALE_RANGE[0] <= body.scale <= BODY_SCALE_RANGE[1]


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match='main motion family'):
        synthesize_sequence('Walking', np.random.default_rng(0))
    with pytest.raises(ValueError, match='unknown motion families'):
        build_motion_corpus(families=['moonwalk'])


def test_amass_dataset_reads_it(corpus_file, arrays):
    pos, _, _ = arrays
    kw = dict(data_root=osp.dirname(corpus_file), ann_file=CORPUS_FILE,
              seq_len=9, dilation=2)
    d3 = AmassDataset(modality='3d', camera='virtual', **kw)
    assert d3.sequences == sorted(pos)
    item = d3[len(d3) // 2]
    assert item['has_3d'] and not item['has_2d']
    # Root-relative camera-frame 3D keeps the bone lengths of the file.
    seq = d3.sequences[d3.window_index.locate(len(d3) // 2)[0]]
    kp = item['keypoints_3d'].astype(np.float64)
    ref = pos[seq][0].astype(np.float64)
    np.testing.assert_allclose(
        np.linalg.norm(kp[:, 1:] - kp[:, list(PARENTS[1:])], axis=-1),
        np.broadcast_to(np.linalg.norm(ref[1:] - ref[list(PARENTS[1:])],
                                       axis=-1), (9, 16)), atol=1e-5)
    both = AmassDataset(modality='both', camera='virtual', num_views=2,
                        subsets=['jump', 'kick'], **kw)
    assert {s.split('/')[0] for s in both.sequences} == {'jump', 'kick'}
    item = both[3]
    assert item['has_2d'] and item['has_3d']
    assert np.abs(item['keypoints_2d']).max() < 1.0


def test_dataset_config_and_tool(tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/'
                                   'motion_corpus.py'))
    assert cfg.corpus_3d.modality == '3d'
    assert cfg.corpus_paired.modality == 'both'
    assert cfg.corpus_3d.ann_file == CORPUS_FILE
    path = osp.join(REPO, 'tools/dataset_converters/make_motion_corpus.py')
    spec = importlib.util.spec_from_file_location('make_motion_corpus', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(['--out-dir', str(tmp_path), '--num-sequences', '2',
               '--seed', '3'])
    with np.load(tmp_path / CORPUS_FILE, allow_pickle=True) as f:
        pos = f['positions_3d'].item()
    assert sorted(pos) == ['jog/0000', 'run/0000']
