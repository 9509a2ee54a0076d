"""tools/dataset_converters/prepare_3dhp.py on tiny files in the official
MPI-INF-3DHP layout, then loaded with MpiInf3dhpDataset.

scipy / h5py are optional: the tests that write real ``.mat`` files skip
without them; the others feed the converter the exact structures that
``scipy.io.loadmat`` (cell arrays as object arrays, MATLAB axis order) and
``h5py`` (reversed axes) return, through a stand-in for ``load_mat``.
"""
import importlib.util
import os
import os.path as osp
import sys

import numpy as np
import pytest

from mpm.datasets import MpiInf3dhpDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'dataset_converters', 'prepare_3dhp.py')
#: official 1-based indices of the 17 evaluation joints among the 28
OFFICIAL_17 = [8, 6, 15, 16, 17, 10, 11, 12, 24, 25, 26, 19, 20, 21, 5, 4, 7]
TRAIN_CAMS = ['0', '1', '2', '4', '5', '6', '7', '8']


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('prepare_3dhp', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw28(n, dim, cam, seed):
    """(N, 28 * dim) rows: joint j of frame f of camera c has x = 1000 * c
    + 10 * j + f / 100 (mm or px), other coordinates random."""
    rng = np.random.default_rng(seed)
    arr = rng.uniform(-500, 500, (n, 28, dim))
    arr[..., 0] = (1000 * cam + 10 * np.arange(28)[None] +
                   np.arange(n)[:, None] / 100)
    if dim == 3:
        arr[..., 2] += 4000
    return arr.reshape(n, 28 * dim)


def cell_array(cells):
    """What scipy.io.loadmat returns for a (14, 1) MATLAB cell array."""
    out = np.empty((len(cells), 1), dtype=object)
    for i, c in enumerate(cells):
        out[i, 0] = c
    return out


def train_annot(n, seed):
    return dict(annot2=cell_array([raw28(n, 2, c, seed + c)
                                   for c in range(14)]),
                annot3=cell_array([raw28(n, 3, c, seed + 50 + c)
                                   for c in range(14)]))


def make_test_annot(n, seed, layout):
    """h5py layout (N, 1, 17, C) or MATLAB layout (C, 17, 1, N)."""
    rng = np.random.default_rng(seed)
    kp2d = rng.uniform(0, 1000, (n, 17, 2))
    kp3d = rng.uniform(-800, 800, (n, 17, 3))
    valid = (np.arange(n) % 3 != 0).astype(np.float64)
    if layout == 'h5py':
        return dict(annot2=kp2d[:, None], univ_annot3=kp3d[:, None],
                    annot3=kp3d[:, None] + 1.0,
                    valid_frame=valid[:, None]), (kp2d, kp3d, valid)
    return dict(annot2=kp2d.transpose(2, 1, 0)[:, :, None],
                univ_annot3=kp3d.transpose(2, 1, 0)[:, :, None],
                annot3=kp3d.transpose(2, 1, 0)[:, :, None] + 1.0,
                valid_frame=valid[None]), (kp2d, kp3d, valid)




def official_tree(root, train, test):
    """Empty placeholder files in the official layout; returns path ->
    variables."""
    contents = {}
    for (s, q), annot in train.items():
        path = osp.join(root, f'S{s}', f'Seq{q}', 'annot.mat')
        os.makedirs(osp.dirname(path), exist_ok=True)
        open(path, 'wb').close()
        contents[path] = annot
    for seq, annot in test.items():
        path = osp.join(root, 'mpi_inf_3dhp_test_set', seq, 'annot_data.mat')
        os.makedirs(osp.dirname(path), exist_ok=True)
        open(path, 'wb').close()
        contents[path] = annot
    return contents


def fake_loader(contents):
    def load(path, keys=None):
        annot = contents[path]
        return {k: annot[k] for k in (keys or annot)}
    return load


def test_joint_mapping_by_official_names(tool):
    assert list(tool.MPI_INF_3DHP_28_TO_17) == [i - 1 for i in OFFICIAL_17]
    names = tool.MPI_INF_3DHP_28_JOINT_NAMES
    assert names[4] == 'pelvis' and names[7] == 'head_top'
    assert names[3] == 'spine' and names[6] == 'head'
    assert tool.MPI_INF_3DHP_TRAIN_CAMERAS == (0, 1, 2, 4, 5, 6, 7, 8)
    assert 'head_top 7' in tool.__doc__ and 'pelvis 4' in tool.__doc__


def test_convert_and_load_both_splits(tool, tmp_path, monkeypatch):
    root = str(tmp_path / 'mpi_inf_3dhp')
    ts1, (kp2d1, kp3d1, valid1) = make_test_annot(7, 1, 'h5py')
    ts5, (kp2d5, kp3d5, valid5) = make_test_annot(5, 2, 'matlab')
    contents = official_tree(
        root, {(1, 1): train_annot(6, 0), (2, 1): train_annot(4, 100)},
        {'TS1': ts1, 'TS5': ts5})
    monkeypatch.setattr(tool, 'load_mat', fake_loader(contents))
    out = str(tmp_path / 'out')
    assert tool.main(['--data-root', root, '--out-dir', out,
                      '--subjects', '1', '2', '--sequences', '1',
                      '--test-sequences', 'TS1', 'TS5']) == 0

    from mpm.datasets.io import load_npz_dict
    train = load_npz_dict(osp.join(out, 'data_train_3dhp.npz'), 'data')
    assert sorted(train) == ['S1 Seq1', 'S2 Seq1']
    views, fps = train['S1 Seq1']
    assert fps == 25 and train['S2 Seq1'][1] == 25
    assert sorted(views, key=int) == TRAIN_CAMS
    kp3d = views['4']['data_3d']
    assert kp3d.shape == (6, 17, 3) and views['4']['data_2d'].shape == (6,
                                                                        17,
                                                                        2)
    # joint k of the output is official joint OFFICIAL_17[k] - 1 of camera 4
    np.testing.assert_allclose(
        kp3d[2, :, 0], 4000 + 10 * (np.array(OFFICIAL_17) - 1) + 0.02,
        rtol=1e-6)
    np.testing.assert_allclose(
        views['8']['data_2d'][5, :, 0],
        8000 + 10 * (np.array(OFFICIAL_17) - 1) + 0.05, rtol=1e-6)

    test = load_npz_dict(osp.join(out, 'data_test_3dhp.npz'), 'data')
    assert sorted(test) == ['TS1', 'TS5']
    np.testing.assert_allclose(test['TS1']['data_3d'], kp3d1, rtol=1e-6)
    np.testing.assert_allclose(test['TS5']['data_3d'], kp3d5, rtol=1e-6)
    np.testing.assert_allclose(test['TS5']['data_2d'], kp2d5, rtol=1e-6)
    assert test['TS1']['valid'].tolist() == valid1.tolist()

    # the dataset reads the converted files
    ds = MpiInf3dhpDataset(out, split='train', seq_len=3)
    assert len(ds) == 8 * 6 + 8 * 4
    item = ds[2]  # S1 Seq1 camera 0, centre 2
    raw = train_annot(6, 0)['annot3'][0, 0].reshape(6, 28, 3)
    pose = raw[2, [i - 1 for i in OFFICIAL_17]]
    np.testing.assert_allclose(item['keypoints_3d'][1],
                               (pose - pose[14]) / 1000, atol=1e-5)
    ds = MpiInf3dhpDataset(out, split='test', seq_len=3)
    assert len(ds) == int(valid1.sum() + valid5.sum())
    ts5_item = [ds[i] for i in range(len(ds))
                if ds[i]['meta']['sequence'] == 'TS5'][0]
    f = ts5_item['meta']['frame']
    px = kp2d5[f]
    np.testing.assert_allclose(
        ts5_item['keypoints_2d'][1],
        np.stack([px[:, 0] / 960 - 1, px[:, 1] / 960 - 1080 / 1920], -1),
        atol=1e-5)
    np.testing.assert_allclose(ts5_item['keypoints_3d'][1],
                               (kp3d5[f] - kp3d5[f, 14]) / 1000, atol=1e-5)


def test_main_writes_both_files(tool, tmp_path, monkeypatch):
    root = str(tmp_path / 'raw')
    ts2, _ = make_test_annot(4, 3, 'h5py')
    contents = official_tree(root, {(3, 1): train_annot(3, 7)},
                             {'TS2': ts2})
    monkeypatch.setattr(tool, 'load_mat', fake_loader(contents))
    out = str(tmp_path / 'out')
    assert tool.main(['--data-root', root, '--out-dir', out, '--subjects',
                      '3', '--sequences', '1', '--cameras', '0', '13',
                      '--test-sequences', 'TS2']) == 0
    ds = MpiInf3dhpDataset(out, split='train', seq_len=1)
    assert [v['camera'] for v in ds.video_info] == [0, 13]
    assert ds.metainfo['fps'] == {'S3 Seq1': 50.0}
    ds = MpiInf3dhpDataset(out, split='test', seq_len=1)
    assert ds.metainfo['sequences'] == ['TS2']


def test_frame_count_cap_and_shape_errors(tool):
    annot = train_annot(5, 0)
    out = tool.convert_train_sequence(annot, 'x.mat', cameras=[1],
                                      num_frames=3)
    assert list(out) == ['1'] and out['1']['data_3d'].shape == (3, 17, 3)
    with pytest.raises(ValueError, match='camera 14 requested'):
        tool.convert_train_sequence(annot, 'x.mat', cameras=[14])
    bad = dict(annot, annot2=cell_array([np.zeros((5, 34))] * 14))
    with pytest.raises(ValueError, match=r'annot2 camera 0: shape \(5, 34\)'):
        tool.convert_train_sequence(bad, 'x.mat', cameras=[0])
    with pytest.raises(ValueError, match='cell array'):
        tool.convert_train_sequence(dict(annot, annot3=np.zeros((5, 84))),
                                    'x.mat', cameras=[0])
    ts, _ = make_test_annot(4, 0, 'h5py')
    with pytest.raises(ValueError, match='must match'):
        tool.convert_test_sequence(dict(ts, valid_frame=np.ones((3, 1))),
                                   'y.mat')
    with pytest.raises(ValueError, match=r'univ_annot3: shape'):
        tool.convert_test_sequence(
            dict(ts, univ_annot3=np.zeros((4, 1, 28, 3))), 'y.mat')


def test_missing_files(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='get_dataset.sh'):
        tool.convert_train(str(tmp_path), subjects=[1], sequences=[1])
    with pytest.raises(FileNotFoundError, match='get_testset.sh'):
        tool.convert_test(str(tmp_path), sequences=['TS1'])
    with pytest.raises(FileNotFoundError, match='not found'):
        tool.load_mat(str(tmp_path / 'none.mat'))


def test_missing_optional_packages_message(tool, tmp_path, monkeypatch):
    v5 = tmp_path / 'annot.mat'
    v5.write_bytes(b'MATLAB 5.0 MAT-file' + b' ' * 200)
    v73 = tmp_path / 'annot_data.mat'
    v73.write_bytes(b'\x89HDF\r\n\x1a\n' + b'\0' * 200)
    monkeypatch.setitem(sys.modules, 'scipy', None)
    monkeypatch.setitem(sys.modules, 'scipy.io', None)
    monkeypatch.setitem(sys.modules, 'h5py', None)
    with pytest.raises(ImportError, match='pip install scipy'):
        tool.load_mat(str(v5))
    with pytest.raises(ImportError, match='pip install h5py'):
        tool.load_mat(str(v73))


def test_real_v5_annot_mat(tool, tmp_path):
    sio = pytest.importorskip('scipy.io')
    annot = train_annot(4, 5)
    path = str(tmp_path / 'annot.mat')
    sio.savemat(path, dict(annot2=annot['annot2'], annot3=annot['annot3'],
                           frames=np.arange(4)[:, None]))
    loaded = tool.load_mat(path, ['annot2', 'annot3'])
    out = tool.convert_train_sequence(loaded, path, cameras=[2])
    expected = annot['annot3'][2, 0].reshape(4, 28, 3)[:, [
        i - 1 for i in OFFICIAL_17]]
    np.testing.assert_allclose(out['2']['data_3d'], expected, rtol=1e-6)
    # a v5 test file in MATLAB axis order works too
    ts, (kp2d, _, valid) = make_test_annot(3, 0, 'matlab')
    path = str(tmp_path / 'annot_data.mat')
    sio.savemat(path, ts)
    res = tool.convert_test_sequence(
        tool.load_mat(path, ['annot2', 'univ_annot3', 'valid_frame']), path)
    np.testing.assert_allclose(res['data_2d'], kp2d, rtol=1e-6)
    assert res['valid'].tolist() == valid.tolist()


def test_real_v73_annot_data_mat(tool, tmp_path):
    h5py = pytest.importorskip('h5py')
    ts, (kp2d, kp3d, valid) = make_test_annot(5, 4, 'h5py')
    path = str(tmp_path / 'annot_data.mat')
    with h5py.File(path, 'w') as f:
        for k, v in ts.items():
            f.create_dataset(k, data=v)
    loaded = tool.load_mat(path, ['annot2', 'univ_annot3', 'valid_frame'])
    res = tool.convert_test_sequence(loaded, path)
    np.testing.assert_allclose(res['data_3d'], kp3d, rtol=1e-6)
    np.testing.assert_allclose(res['data_2d'], kp2d, rtol=1e-6)
    assert res['valid'].tolist() == valid.tolist()
