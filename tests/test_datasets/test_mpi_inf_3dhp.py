"""MpiInf3dhpDataset on tiny files in P-STMO's exact layout, the 3DHP joint
tables, and the configs that use them."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader
from torch.utils.data._utils.collate import default_collate

from mpm.datasets import MpiInf3dhpDataset
from mpm.datasets.mpi_inf_3dhp import (MPI_INF_3DHP_17_JOINT_NAMES,
                                       MPI_INF_3DHP_28_JOINT_NAMES,
                                       MPI_INF_3DHP_28_TO_17,
                                       pck_joint_indices,
                                       reorder_3dhp_to_h36m,
                                       sequence_resolution)
from mpm.registry import DATASETS
from mpm.utils.skeleton import (H36M_SKELETON, MPI_INF_3DHP_SKELETON,
                                MPI_INF_3DHP_TO_H36M)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = 'data_train_3dhp.npz'
TEST = 'data_test_3dhp.npz'
#: sequence -> camera id -> frames
TRAIN_LENGTHS = {'S1 Seq1': {'0': 7, '2': 7, '8': 7}, 'S2 Seq2': {'0': 5}}
#: sequence -> valid flags
TEST_VALID = {
    'TS1': [0, 0, 1, 1, 0, 1, 1, 0],
    'TS5': [1, 0, 1, 1, 1, 0],
}


def make_train(lengths=TRAIN_LENGTHS, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for seq, cams in lengths.items():
        views = {}
        for cam, n in cams.items():
            views[cam] = dict(
                data_2d=rng.uniform(0, 2048, (n, 17, 2)).astype(np.float32),
                data_3d=rng.uniform([-800, -800, 3000], [800, 800, 5000],
                                    (n, 17, 3)).astype(np.float32))
        data[seq] = [views, 25 if seq == 'S1 Seq1' else 50]
    return data


def make_test(valid=TEST_VALID, seed=1):
    rng = np.random.default_rng(seed)
    data = {}
    for seq, flags in valid.items():
        n = len(flags)
        data[seq] = dict(
            data_2d=rng.uniform(0, 1080, (n, 17, 2)).astype(np.float32),
            data_3d=rng.uniform(-900, 900, (n, 17, 3)).astype(np.float32),
            valid=np.asarray(flags, np.float32))
    return data


def write(root, name, data, key='data'):
    np.savez_compressed(osp.join(str(root), name), **{key: data})


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('3dhp')
    train, test = make_train(), make_test()
    # hand-set pixels for the normalisation checks
    train['S1 Seq1'][0]['2']['data_2d'][3, 0] = (1024, 512)
    test['TS1']['data_2d'][2, 0] = (2048, 1024)
    test['TS5']['data_2d'][2, 0] = (960, 540)   # image centre
    test['TS5']['data_2d'][2, 1] = (1920, 1080)  # bottom-right corner
    write(root, TRAIN, train)
    write(root, TEST, test)
    return str(root), train, test


def expected_3d_m(mm, frame):
    """Root-relative metres of one frame, float64 reference."""
    pose = np.asarray(mm[frame], np.float64)
    return (pose - pose[14]) / 1000.0


# ------------------------------------------------------------------ tables
def test_28_to_17_matches_official_one_based_list():
    # mpii_get_joint_set('relevant') in the official code, 1-based.
    official = [8, 6, 15, 16, 17, 10, 11, 12, 24, 25, 26, 19, 20, 21, 5, 4, 7]
    assert list(MPI_INF_3DHP_28_TO_17) == [i - 1 for i in official]
    assert len(MPI_INF_3DHP_28_JOINT_NAMES) == 28
    for k, j in enumerate(MPI_INF_3DHP_28_TO_17):
        assert MPI_INF_3DHP_28_JOINT_NAMES[j] == MPI_INF_3DHP_17_JOINT_NAMES[k]


def test_skeleton_names_sides_and_flip():
    sk = MPI_INF_3DHP_SKELETON
    assert sk.root == 14 and sk.joint_names[14] == 'pelvis'
    assert sk.flip_permutation.tolist() == [
        0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 14, 15, 16]
    for j in sk.left:
        assert sk.joint_names[j].startswith('l_')
    for j in sk.right:
        assert sk.joint_names[j].startswith('r_')
    # every joint except the root reaches the root through its parents
    for j in range(sk.num_joints):
        seen, k = 0, j
        while sk.parents[k] >= 0:
            k, seen = sk.parents[k], seen + 1
            assert seen < 17
        assert k == 14


def test_reorder_to_h36m_by_name():
    renamed = {'thorax': 'neck', 'neck': 'head', 'head': 'head_top'}
    for h36m_index, name in enumerate(H36M_SKELETON.joint_names):
        src = MPI_INF_3DHP_TO_H36M[h36m_index]
        assert MPI_INF_3DHP_SKELETON.joint_names[src] == renamed.get(
            name, name)
    x = np.arange(2 * 17 * 3).reshape(2, 17, 3)
    out = reorder_3dhp_to_h36m(x)
    assert out[:, 0].tolist() == x[:, 14].tolist()   # pelvis first
    assert out[:, 10].tolist() == x[:, 0].tolist()   # head <- head_top
    assert torch.equal(reorder_3dhp_to_h36m(torch.as_tensor(x)),
                       torch.as_tensor(out))
    with pytest.raises(ValueError, match='17'):
        reorder_3dhp_to_h36m(np.zeros((3, 16, 2)))


def test_pck_joints_exclude_pelvis_spine_head():
    assert pck_joint_indices('3dhp') == list(range(14))
    assert pck_joint_indices('h36m') == [
        j for j in range(17) if j not in (0, 7, 9)]


def test_resolutions():
    assert sequence_resolution('S3 Seq2') == (2048, 2048)
    assert sequence_resolution('TS4') == (2048, 2048)
    assert sequence_resolution('TS5') == (1920, 1080)
    assert sequence_resolution('TS6') == (1920, 1080)
    with pytest.raises(ValueError, match='TS7'):
        sequence_resolution('TS7')


# ------------------------------------------------------------------- train
def test_train_items_units_root_and_meta(files):
    root, train, _ = files
    ds = MpiInf3dhpDataset(root, split='train', seq_len=5, dilation=2)
    assert len(ds) == 7 * 3 + 5
    assert ds.num_videos == 4
    assert [v['camera_id'] for v in ds.video_info] == ['0', '2', '8', '0']
    # video 1 = S1 Seq1 camera 2; centre 3 reads frames 0 1 3 5 6 (clipped)
    item = ds[7 + 3]
    assert item['keypoints_2d'].shape == (5, 17, 2)
    assert item['keypoints_3d'].shape == (5, 17, 3)
    assert item['keypoints_2d'].dtype == np.float32
    assert item['target_index'] == 2
    assert item['meta'] == dict(subject='S1', action='Seq1',
                                sequence='S1 Seq1', camera=2, camera_id='2',
                                frame=3, valid=1)
    raw = train['S1 Seq1'][0]['2']
    for t, f in enumerate([0, 1, 3, 5, 6]):
        np.testing.assert_allclose(item['keypoints_3d'][t],
                                   expected_3d_m(raw['data_3d'], f),
                                   atol=1e-6)
        np.testing.assert_allclose(item['keypoints_2d'][t],
                                   raw['data_2d'][f] / 1024.0 - 1, atol=1e-6)
    assert np.all(item['keypoints_3d'][:, 14] == 0)
    # hand pixel (1024, 512) of a 2048 x 2048 frame -> (0, -0.5)
    np.testing.assert_allclose(item['keypoints_2d'][2, 0], [0.0, -0.5],
                               atol=1e-7)
    # edge padding at the start of the last video
    first = ds[21]
    assert first['meta']['sequence'] == 'S2 Seq2'
    raw = train['S2 Seq2'][0]['0']['data_3d']
    for t, f in enumerate([0, 0, 0, 2, 4]):
        np.testing.assert_allclose(first['keypoints_3d'][t],
                                   expected_3d_m(raw, f), atol=1e-6)
    assert ds.metainfo['fps'] == {'S1 Seq1': 25.0, 'S2 Seq2': 50.0}
    assert ds.metainfo['root'] == 14
    assert ds.metainfo['left'] == [5, 6, 7, 11, 12, 13]
    assert ds.metainfo['right'] == [2, 3, 4, 8, 9, 10]


def test_train_windows_are_lazy(files):
    root, _, _ = files
    ds = MpiInf3dhpDataset(root, split='train', seq_len=27)
    # one row per frame, no per-window storage
    assert ds._kp3d.shape == (26, 17, 3) and ds._kp2d.shape == (26, 17, 2)
    assert ds.window_index._buffer.size == 0
    a, b = ds[0]['keypoints_3d'], ds[1]['keypoints_3d']
    assert not np.shares_memory(a, ds._kp3d) and a.shape == (27, 17, 3)
    assert not np.array_equal(a, b)


def test_sequence_and_camera_selection(files):
    root, _, _ = files
    ds = MpiInf3dhpDataset(root, seq_len=3, sequences=['S2'])
    assert [v['sequence'] for v in ds.video_info] == ['S2 Seq2']
    ds = MpiInf3dhpDataset(root, seq_len=3, cameras=[8, '2'])
    assert [(v['sequence'], v['camera']) for v in ds.video_info] == [
        ('S1 Seq1', 2), ('S1 Seq1', 8)]
    with pytest.raises(ValueError, match=r"'S3 Seq1' not found.*S1 Seq1"):
        MpiInf3dhpDataset(root, seq_len=3, sequences='S3 Seq1')
    with pytest.raises(ValueError, match=r"cameras \['3'\] not found"):
        MpiInf3dhpDataset(root, seq_len=3, cameras=[0, 3])
    with pytest.raises(ValueError, match='test split'):
        MpiInf3dhpDataset(root, split='test', seq_len=3, cameras=[0])


def test_downsample_and_subset(files):
    root, train, _ = files
    ds = MpiInf3dhpDataset(root, seq_len=3, downsample=2)
    assert len(ds) == 4 * 3 + 3
    item = ds[1]  # S1 Seq1 cam 0, downsampled frame 1 = raw frame 2
    raw = train['S1 Seq1'][0]['0']['data_3d']
    np.testing.assert_allclose(item['keypoints_3d'][1],
                               expected_3d_m(raw, 2), atol=1e-6)
    assert ds.metainfo['fps']['S1 Seq1'] == 12.5
    half = MpiInf3dhpDataset(root, seq_len=3, subset=0.5)
    assert len(half) == 4 * 3 + 3  # ceil(7 / 2) x 3 cameras + ceil(5 / 2)


def test_h36m_joint_order(files):
    root, train, _ = files
    ds = MpiInf3dhpDataset(root, seq_len=1, joint_order='h36m')
    ref = MpiInf3dhpDataset(root, seq_len=1)
    a, b = ds[4], ref[4]
    idx = list(MPI_INF_3DHP_TO_H36M)
    np.testing.assert_array_equal(a['keypoints_3d'], b['keypoints_3d'][:,
                                                                      idx])
    np.testing.assert_array_equal(a['keypoints_2d'], b['keypoints_2d'][:,
                                                                      idx])
    assert np.all(a['keypoints_3d'][:, 0] == 0)
    assert ds.metainfo['root'] == 0
    assert ds.metainfo['flip_indices'] == H36M_SKELETON.flip_permutation.\
        tolist()
    assert ds.metainfo['pck_joints'] == pck_joint_indices('h36m')
    with pytest.raises(ValueError, match='joint_order'):
        MpiInf3dhpDataset(root, seq_len=1, joint_order='coco')


# -------------------------------------------------------------------- test
def test_test_split_one_window_per_valid_frame(files):
    root, _, test = files
    ds = MpiInf3dhpDataset(root, split='test', seq_len=5)
    valid_frames = {s: np.flatnonzero(v).tolist()
                    for s, v in TEST_VALID.items()}
    assert len(ds) == sum(len(v) for v in valid_frames.values())  # 8
    got = {}
    for i in range(len(ds)):
        meta = ds[i]['meta']
        assert meta['valid'] == 1 and meta['camera'] == -1
        assert meta['subject'] == meta['sequence'] == meta['action']
        got.setdefault(meta['sequence'], []).append(meta['frame'])
    assert got == valid_frames
    # TS1 centre 2 (valid) reads frames 0..4 including invalid 0, 1, 4
    item = ds[0]
    assert item['meta']['frame'] == 2
    for t, f in enumerate(range(5)):
        np.testing.assert_allclose(
            item['keypoints_3d'][t], expected_3d_m(test['TS1']['data_3d'], f),
            atol=1e-6)
    # hand pixel (2048, 1024) of a 2048 x 2048 frame -> (1, 0)
    np.testing.assert_allclose(item['keypoints_2d'][2, 0], [1.0, 0.0],
                               atol=1e-7)
    # last TS1 window (centre 6) pads with frame 7 (invalid, last)
    last = ds[3]
    assert last['meta']['frame'] == 6
    for t, f in enumerate([4, 5, 6, 7, 7]):
        np.testing.assert_allclose(
            last['keypoints_3d'][t], expected_3d_m(test['TS1']['data_3d'], f),
            atol=1e-6)


def test_test_split_ts5_resolution(files):
    root, _, test = files
    ds = MpiInf3dhpDataset(root, split='test', seq_len=1,
                           sequences=['TS5'])
    assert ds.metainfo['resolutions'] == {'TS5': (1920, 1080)}
    item = ds[1]
    assert item['meta']['frame'] == 2
    kp = item['keypoints_2d'][0]
    np.testing.assert_allclose(kp[0], [0.0, 0.0], atol=1e-7)  # centre
    np.testing.assert_allclose(kp[1], [1.0, 1080 / 1920], atol=1e-6)
    px = test['TS5']['data_2d'][2].astype(np.float64)
    np.testing.assert_allclose(
        kp, np.stack([px[:, 0] / 960 - 1, px[:, 1] / 960 - 0.5625], -1),
        atol=1e-6)


def test_test_split_all_frames_and_downsample(files):
    root, _, _ = files
    ds = MpiInf3dhpDataset(root, split='test', seq_len=3, valid_only=False)
    assert len(ds) == 8 + 6
    flags = [ds[i]['meta']['valid'] for i in range(len(ds))]
    assert flags == TEST_VALID['TS1'] + TEST_VALID['TS5']
    ds = MpiInf3dhpDataset(root, split='test', seq_len=3, downsample=2)
    # TS1 frames 0 2 4 6 -> valid 0 1 0 1; TS5 frames 0 2 4 -> 1 1 1
    assert [(ds[i]['meta']['sequence'], ds[i]['meta']['frame'])
            for i in range(len(ds))] == [('TS1', 1), ('TS1', 3), ('TS5', 0),
                                         ('TS5', 1), ('TS5', 2)]


def test_collate_and_dataloader(files):
    root, _, _ = files
    ds = MpiInf3dhpDataset(root, split='test', seq_len=3)
    batch = next(iter(DataLoader(ds, batch_size=4,
                                 collate_fn=default_collate)))
    assert batch['keypoints_2d'].shape == (4, 3, 17, 2)
    assert batch['meta']['sequence'] == ['TS1'] * 4
    assert batch['meta']['valid'].tolist() == [1, 1, 1, 1]
    train = MpiInf3dhpDataset(root, split='train', seq_len=3)
    batch = default_collate([train[0], train[25]])
    assert batch['meta']['camera_id'] == ['0', '0']
    assert batch['meta']['subject'] == ['S1', 'S2']


# ------------------------------------------------------------------ errors
def test_missing_file_and_wrong_key(tmp_path):
    with pytest.raises(FileNotFoundError, match='prepare_3dhp.py'):
        MpiInf3dhpDataset(str(tmp_path), split='test')
    write(tmp_path, TEST, make_test(), key='positions_3d')
    with pytest.raises(KeyError, match="key 'data' not found"):
        MpiInf3dhpDataset(str(tmp_path), split='test')


def test_swapped_files(files, tmp_path):
    root, train, test = files
    write(tmp_path, TRAIN, test)
    with pytest.raises(ValueError, match='looks like the test file'):
        MpiInf3dhpDataset(str(tmp_path), split='train')
    with pytest.raises(ValueError, match='looks like the train file'):
        MpiInf3dhpDataset(root, split='test', file_name=TRAIN)


@pytest.mark.parametrize('case', ['joints28', 'nan_valid', 'nan_invalid',
                                  'no_valid', 'short_2d', 'bad_valid'])
def test_bad_test_content(tmp_path, case):
    data = make_test()
    ts1 = data['TS1']
    if case == 'joints28':
        ts1['data_3d'] = np.zeros((8, 28, 3), np.float32)
        match = r'\(8, 28, 3\).*28 joints of the raw annotation'
    elif case == 'nan_valid':
        ts1['data_3d'][3, 5, 1] = np.nan
        match = r"TS1'.*NaN/inf in 'data_3d' at frame 3 \(valid=1\)"
    elif case == 'nan_invalid':
        ts1['data_2d'][4, 0, 0] = np.inf
        match = r"NaN/inf in 'data_2d' at frame 4 \(valid=0\)"
    elif case == 'no_valid':
        del ts1['valid']
        match = "'valid'.*prepare_3dhp"
    elif case == 'short_2d':
        ts1['data_2d'] = ts1['data_2d'][:5]
        match = "'data_2d' has 5 frames, fewer than the 8"
    else:
        ts1['valid'] = np.full(8, 2)
        match = 'only 0 and 1'
    write(tmp_path, TEST, data)
    with pytest.raises(ValueError, match=match):
        MpiInf3dhpDataset(str(tmp_path), split='test', seq_len=3)


def test_bad_train_content(tmp_path):
    data = make_train({'S1 Seq1': {'0': 4}})
    data['S1 Seq1'][0]['0']['data_2d'] = np.zeros((4, 16, 2), np.float32)
    write(tmp_path, TRAIN, data)
    with pytest.raises(ValueError, match=r"camera '0'.*\(4, 16, 2\)"):
        MpiInf3dhpDataset(str(tmp_path), seq_len=3)
    write(tmp_path, TRAIN, {'S1 Seq1': 'oops'})
    with pytest.raises(ValueError, match='training layout'):
        MpiInf3dhpDataset(str(tmp_path), seq_len=3)
    with pytest.raises(ValueError, match='split'):
        MpiInf3dhpDataset(str(tmp_path), split='val')


# ----------------------------------------------------------------- configs
def test_dataset_config_builds(files):
    root, _, _ = files
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'mpi_inf_3dhp.py'))
    assert cfg.test_evaluator['type'] == 'MpiInf3dhpMetric'
    assert cfg.train_dataloader['dataset']['seq_len'] == 243
    init_default_scope('mpm')
    test_cfg = dict(cfg.test_dataloader['dataset'], data_root=root)
    ds = DATASETS.build(test_cfg)
    assert isinstance(ds, MpiInf3dhpDataset) and len(ds) == 8
    assert ds[0]['keypoints_2d'].shape == (243, 17, 2)


def test_finetune_config_builds_3dhp_lifter(files):
    from mpm.registry import MODELS
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'mpm', 'finetune_3dhp_243f.py'))
    init_default_scope('mpm')
    model = MODELS.build(cfg.model).eval()
    root, _, _ = files
    ds = DATASETS.build(dict(cfg.test_dataloader['dataset'], data_root=root))
    # the config types no flip / root: they come from the dataset, as a run
    # (DatasetMetaHook) gives them
    model.set_dataset_meta(ds.metainfo)
    sk = MPI_INF_3DHP_SKELETON
    assert model.root_index == sk.root
    assert list(model.flip_indices) == sk.flip_permutation.tolist()
    assert list(model.data_preprocessor.flip_indices) == \
        sk.flip_permutation.tolist()
    assert cfg.train_cfg['max_epochs'] == 100
    batch = default_collate([ds[0], ds[5]])
    torch.manual_seed(0)
    with torch.no_grad():
        data = model.data_preprocessor(batch, training=False)
        out = model(**data, mode='predict')
    assert len(out) == 2
    assert out[0]['pred_keypoints_3d'].shape == (17, 3)
    assert torch.all(out[0]['pred_keypoints_3d'][14] == 0)
    assert out[1]['sequence'] == 'TS5' and out[1]['valid'] == 1
