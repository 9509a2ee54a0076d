"""Tests of WindowIndex and Human36mDataset on tiny VideoPose3D-style files."""
import os.path as osp

import numpy as np
import pytest

from mpm.datasets import Human36mDataset, WindowIndex, contiguous_subset
from mpm.registry import DATASETS, TRANSFORMS

# The 17 of the 32 raw joints, as DATA_FORMATS.md lists them.
KEEP_17 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
CAMERA_IDS = ['54138969', '55011271', '58860488', '60457274']
FILE_3D = 'data_3d_h36m.npz'
FILE_2D = 'data_2d_h36m_cpn_ft_h36m_dbb.npz'


# ------------------------------------------------------------- WindowIndex
def test_window_index_edge_padding_by_hand():
    index = WindowIndex([5, 3], seq_len=5)
    assert len(index) == 8 and index.target_index == 2
    cases = {
        0: (0, 0, [0, 0, 0, 1, 2]),
        1: (0, 1, [0, 0, 1, 2, 3]),
        2: (0, 2, [0, 1, 2, 3, 4]),
        4: (0, 4, [2, 3, 4, 4, 4]),
        5: (1, 0, [0, 0, 0, 1, 2]),
        7: (1, 2, [0, 1, 2, 2, 2]),
        -1: (1, 2, [0, 1, 2, 2, 2]),
        -8: (0, 0, [0, 0, 0, 1, 2]),
    }
    for i, (video, centre, frames) in cases.items():
        v, c, f = index.window(i)
        assert (v, c) == (video, centre), i
        np.testing.assert_array_equal(f, frames)
    for bad in (8, -9, 100):
        with pytest.raises(IndexError):
            index.locate(bad)


def test_window_index_dilation_by_hand():
    index = WindowIndex([6], seq_len=3, dilation=2)
    assert index.target_index == 1
    expected = {0: [0, 0, 2], 1: [0, 1, 3], 2: [0, 2, 4], 4: [2, 4, 5],
                5: [3, 5, 5]}
    for centre, frames in expected.items():
        np.testing.assert_array_equal(index.window(centre)[2], frames)
    # Even length: centre at seq_len // 2, offsets -2..1.
    even = WindowIndex([10], seq_len=4, dilation=3)
    assert even.target_index == 2
    np.testing.assert_array_equal(even.window(5)[2], [0, 2, 5, 8])


def test_window_index_centre_subsets_vectorised():
    index = WindowIndex([10, 4, 6, 3], seq_len=3,
                        centres=[range(2, 5), np.array([3, 0]), None,
                                 range(0)])
    assert len(index) == 3 + 2 + 6 + 0
    video, centre = index.locate(np.arange(len(index)))
    np.testing.assert_array_equal(video, [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2])
    np.testing.assert_array_equal(centre, [2, 3, 4, 3, 0, 0, 1, 2, 3, 4, 5])
    frames = index.frame_indices(video, centre)
    assert frames.shape == (11, 3)
    np.testing.assert_array_equal(frames[3], [2, 3, 3])  # video 1 has 4
    np.testing.assert_array_equal(frames[10], [4, 5, 5])
    # A stepped range.
    stepped = WindowIndex([9], seq_len=1, centres=[range(1, 9, 3)])
    np.testing.assert_array_equal(stepped.locate([0, 1, 2])[1], [1, 4, 7])


def test_window_index_errors():
    with pytest.raises(ValueError, match='at least one frame'):
        WindowIndex([3, 0], seq_len=3)
    with pytest.raises(ValueError, match='outside'):
        WindowIndex([3], seq_len=3, centres=[np.array([0, 3])])
    with pytest.raises(ValueError, match='outside'):
        WindowIndex([3], seq_len=3, centres=[range(1, 4)])
    with pytest.raises(ValueError, match='2 entries for 1 videos'):
        WindowIndex([3], seq_len=3, centres=[None, None])
    with pytest.raises(ValueError, match='seq_len'):
        WindowIndex([3], seq_len=0)
    with pytest.raises(ValueError, match='dilation'):
        WindowIndex([3], seq_len=3, dilation=0)


def test_window_index_memory_is_per_video_not_per_window():
    lengths = np.full(1000, 1_000_000)
    index = WindowIndex(lengths, seq_len=243, dilation=2)
    assert len(index) == 10**9
    sizes = [v.size for v in vars(index).values() if isinstance(v, np.ndarray)]
    assert max(sizes) <= 1001
    v, c, f = index.window(10**9 - 1)
    assert (v, c) == (999, 999_999)
    assert f[121] == 999_999 and f[-1] == 999_999 and f[0] == 999_999 - 242


def test_contiguous_subset():
    lengths = [10, 7, 1, 100]
    chunks = contiguous_subset(lengths, 0.3, seed=0)
    assert [len(c) for c in chunks] == [3, 3, 1, 30]  # ceil(0.3 N)
    for chunk, n in zip(chunks, lengths):
        assert chunk.step == 1 and 0 <= chunk.start and chunk.stop <= n
    assert chunks == contiguous_subset(lengths, 0.3, seed=0)
    others = [contiguous_subset(lengths, 0.3, seed=s) for s in range(1, 6)]
    assert any(o != chunks for o in others)
    assert contiguous_subset(lengths, 1.0, seed=3) == [range(n)
                                                       for n in lengths]
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match='subset'):
            contiguous_subset(lengths, bad)


# ------------------------------------------------------- expected values
def expected_video(data, table, quat_to_rot, subject, seq, cam, step=1):
    """Independent float64 reference: (N, 17, 2) normalised 2D and
    (N, 17, 3) root-relative camera-frame 3D of one video."""
    _, pos3d, pos2d = data
    world = pos3d[subject][seq][:, KEEP_17].astype(np.float64)
    ext = table['extrinsics'][subject][cam]
    intr = table['intrinsics'][cam]
    rot = quat_to_rot(ext['orientation'])
    centre = np.array(ext['translation'], np.float64) / 1000
    # X_cam = R^T (X - t), written per point.
    pose = np.einsum('ji,nkj->nki', rot, world - centre)
    pose = pose - pose[:, :1]
    px = pos2d[subject][seq][cam][:len(world)].astype(np.float64)
    w, h = intr['res_w'], intr['res_h']
    kp2d = np.stack([px[..., 0] / w * 2 - 1, px[..., 1] / w * 2 - h / w], -1)
    return kp2d[::step], pose[::step]


def build(root, **kwargs):
    kwargs.setdefault('subjects', ['S1'])
    kwargs.setdefault('seq_len', 1)
    return Human36mDataset(root, **kwargs)


# ------------------------------------------------------------- dataset
def test_length_order_and_sample_layout(h36m_data):
    root = h36m_data[0]
    ds = build(root, seq_len=5)
    assert len(ds) == (9 + 6 + 5) * 4
    assert ds.num_videos == 3 * 4
    sample = ds[0]
    assert set(sample) == {'keypoints_2d', 'keypoints_3d', 'target_index',
                           'meta'}
    assert sample['keypoints_2d'].shape == (5, 17, 2)
    assert sample['keypoints_3d'].shape == (5, 17, 3)
    assert sample['keypoints_2d'].dtype == np.float32
    assert sample['keypoints_3d'].dtype == np.float32
    assert sample['target_index'] == 2 and ds.target_index == 2
    # Sequences sorted: 'Directions 1' (5), 'Walking' (9), 'Walking 1' (6);
    # cameras inside a sequence, frames inside a camera.
    assert sample['meta'] == dict(subject='S1', action='Directions',
                                  sequence='Directions 1', camera=0,
                                  camera_id='54138969', frame=0)
    meta = ds[5 * 3 + 4]['meta']
    assert (meta['sequence'], meta['camera'], meta['frame']) == (
        'Directions 1', 3, 4)
    assert meta['camera_id'] == '60457274'
    meta = ds[20 + 9 + 2]['meta']
    assert (meta['sequence'], meta['action'], meta['camera'],
            meta['frame']) == ('Walking', 'Walking', 1, 2)
    assert ds[-1]['meta'] == dict(subject='S1', action='Walking',
                                  sequence='Walking 1', camera=3,
                                  camera_id='60457274', frame=5)
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_values_match_independent_float64_reference(h36m_data, camera_table,
                                                    quat_to_rot):
    ds = build(h36m_data[0], subjects=['S1', 'S5'])
    assert len(ds) == (9 + 6 + 5 + 4 + 7) * 4
    for v, info in enumerate(ds.video_info):
        kp2d, kp3d = ds.get_video(v)
        ref2d, ref3d = expected_video(h36m_data, camera_table, quat_to_rot,
                                      info['subject'], info['sequence'],
                                      info['camera'])
        assert info['camera_id'] == CAMERA_IDS[info['camera']]
        np.testing.assert_allclose(kp2d, ref2d, rtol=0, atol=1e-6)
        np.testing.assert_allclose(kp3d, ref3d, rtol=0, atol=2e-6)
        # Root-relative: the pelvis is exactly at the origin.
        assert np.all(kp3d[:, 0] == 0)
        # Subjects stand metres away: the poses are not trivially zero.
        assert np.abs(kp3d[:, 1:]).max() > 0.1
    # The same values through __getitem__ (seq_len 1: one frame per item).
    sample = ds[len(ds) - 1]
    ref2d, ref3d = expected_video(h36m_data, camera_table, quat_to_rot, 'S5',
                                  'Walking', 3)
    np.testing.assert_allclose(sample['keypoints_3d'][0], ref3d[-1],
                               atol=2e-6)
    np.testing.assert_allclose(sample['keypoints_2d'][0], ref2d[-1],
                               atol=1e-6)


def test_2d_normalisation_by_hand(h36m_data):
    ds = build(h36m_data[0], actions=['Walking 1', 'Walking'])
    by_cam = {info['camera']: v for v, info in enumerate(ds.video_info)
              if info['sequence'] == 'Walking'}
    # Camera 0, 1000 x 1002: (250, 300) -> (0.5 - 1, 0.6 - 1.002).
    np.testing.assert_allclose(ds.get_video(by_cam[0])[0][0, 0],
                               [-0.5, -0.402], atol=1e-6)
    # Camera 1, 1000 x 1000: (750, 500) -> (0.5, 0).
    np.testing.assert_allclose(ds.get_video(by_cam[1])[0][0, 0], [0.5, 0],
                               atol=1e-6)
    # Camera 3, 1000 x 1002: (1000, 1002) -> (1, 1.002).
    np.testing.assert_allclose(ds.get_video(by_cam[3])[0][0, 0],
                               [1, 1.002], atol=1e-6)


def test_longer_2d_is_truncated_to_3d_length(h36m_data, camera_table,
                                             quat_to_rot):
    root, _, pos2d = h36m_data
    assert len(pos2d['S1']['Walking'][2]) == 12  # 3 frames longer than 3D
    ds = build(root, actions=['Walking 1', 'Walking'], cameras=[2])
    info = [i for i in ds.video_info if i['sequence'] == 'Walking'][0]
    assert info['num_frames'] == 9
    kp2d = ds.get_video(ds.video_info.index(info))[0]
    assert len(kp2d) == 9
    ref2d, _ = expected_video(h36m_data, camera_table, quat_to_rot, 'S1',
                              'Walking', 2)
    np.testing.assert_allclose(kp2d[-1], ref2d[8], atol=1e-6)


def test_windows_read_hand_computed_frames(h36m_data, camera_table,
                                           quat_to_rot):
    """seq_len 5, dilation 2 on 'Directions 1' (5 frames), camera 1."""
    ds = build(h36m_data[0], seq_len=5, dilation=2, actions=['Directions'])
    assert len(ds) == 5 * 4 and ds.target_index == 2
    ref2d, ref3d = expected_video(h36m_data, camera_table, quat_to_rot, 'S1',
                                  'Directions 1', 1)
    # centre c reads clip(c + 2 * (-2, -1, 0, 1, 2), 0, 4).
    frames = {0: [0, 0, 0, 2, 4], 1: [0, 0, 1, 3, 4], 2: [0, 0, 2, 4, 4],
              3: [0, 1, 3, 4, 4], 4: [0, 2, 4, 4, 4]}
    for centre, expected in frames.items():
        sample = ds[5 + centre]  # camera 1 follows camera 0's 5 windows
        assert sample['meta']['camera'] == 1
        assert sample['meta']['frame'] == centre
        np.testing.assert_allclose(sample['keypoints_2d'], ref2d[expected],
                                   atol=1e-6)
        np.testing.assert_allclose(sample['keypoints_3d'], ref3d[expected],
                                   atol=2e-6)


def test_downsample(h36m_data, camera_table, quat_to_rot):
    ds = build(h36m_data[0], downsample=2, seq_len=3)
    # ceil(5 / 2) + ceil(9 / 2) + ceil(6 / 2) = 3 + 5 + 3 frames per camera.
    assert len(ds) == (3 + 5 + 3) * 4
    assert ds.metainfo['fps'] == 25
    walking = [v for v, i in enumerate(ds.video_info)
               if i['sequence'] == 'Walking' and i['camera'] == 0][0]
    kp2d, kp3d = ds.get_video(walking)
    ref2d, ref3d = expected_video(h36m_data, camera_table, quat_to_rot, 'S1',
                                  'Walking', 0, step=2)
    assert len(kp3d) == 5
    np.testing.assert_allclose(kp2d, ref2d, atol=1e-6)
    np.testing.assert_allclose(kp3d, ref3d, atol=2e-6)
    last = ds[len(ds) - 1]
    assert last['meta']['frame'] == 2 and last['meta']['sequence'] == \
        'Walking 1'


def test_subset_is_deterministic_contiguous_and_reads_outside(h36m_data):
    root = h36m_data[0]
    ds = build(root, subset=0.5, subset_seed=0, seq_len=3)
    # ceil(0.5 N) for N = 5, 9, 6: 3 + 5 + 3 centres per camera.
    assert len(ds) == (3 + 5 + 3) * 4
    again = build(root, subset=0.5, subset_seed=0, seq_len=3)

    def centres(d):
        out = {}
        for i in range(len(d)):
            m = d[i]['meta']
            out.setdefault((m['sequence'], m['camera']), []).append(
                m['frame'])
        return out

    got = centres(ds)
    assert got == centres(again)
    for seq in ('Directions 1', 'Walking', 'Walking 1'):
        chunk = got[(seq, 0)]
        # The same contiguous chunk for all cameras of a sequence.
        assert all(got[(seq, c)] == chunk for c in range(4))
        assert chunk == list(range(chunk[0], chunk[0] + len(chunk)))
    # Different seeds give different chunks for some seed.
    assert any(centres(build(root, subset=0.5, subset_seed=s, seq_len=3))
               != got for s in range(1, 6))
    # A window at a chunk edge still reads its neighbour outside the chunk.
    full = build(root, seq_len=3)
    start = got[('Walking', 0)][0]
    i = [k for k in range(len(ds)) if ds[k]['meta']['sequence'] == 'Walking'
         and ds[k]['meta']['frame'] == start][0]
    j = [k for k in range(len(full))
         if full[k]['meta']['sequence'] == 'Walking'
         and full[k]['meta']['frame'] == start][0]
    np.testing.assert_array_equal(ds[i]['keypoints_2d'],
                                  full[j]['keypoints_2d'])


def test_action_filter_and_cameras(h36m_data):
    root = h36m_data[0]
    walking = build(root, actions=['Walking'])
    assert {i['sequence'] for i in walking.video_info} == {'Walking',
                                                          'Walking 1'}
    assert len(walking) == (9 + 6) * 4
    assert walking.metainfo['actions'] == ['Walking']
    take = build(root, actions=['Walking 1'])
    assert {i['sequence'] for i in take.video_info} == {'Walking 1'}
    assert take[0]['meta']['action'] == 'Walking'
    two = build(root, subjects=['S1', 'S5'], actions=['Eating', 'Directions'],
                cameras=[1, 3])
    assert [(i['subject'], i['sequence'], i['camera'])
            for i in two.video_info] == [('S1', 'Directions 1', 1),
                                         ('S1', 'Directions 1', 3),
                                         ('S5', 'Eating', 1),
                                         ('S5', 'Eating', 3)]
    assert len(two) == (5 + 4) * 2
    assert two.metainfo['actions'] == ['Directions', 'Eating']


def test_metainfo(h36m_data):
    ds = build(h36m_data[0], seq_len=7, dilation=2)
    meta = ds.metainfo
    assert meta['num_joints'] == 17 and meta['root'] == 0
    assert meta['flip_indices'] == [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15,
                                    16, 11, 12, 13]
    assert meta['left'] == [4, 5, 6, 11, 12, 13]
    assert meta['right'] == [1, 2, 3, 14, 15, 16]
    assert meta['parents'] == [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12,
                               8, 14, 15]
    assert len(meta['joint_names']) == 17
    assert (meta['fps'], meta['seq_len'], meta['dilation']) == (50, 7, 2)
    assert meta['dataset_name'] == 'h36m'


def test_mean_pose_3d(h36m_data, camera_table, quat_to_rot):
    ds = build(h36m_data[0], subjects=['S1', 'S5'], cameras=[0, 2])
    refs = [expected_video(h36m_data, camera_table, quat_to_rot, i['subject'],
                           i['sequence'], i['camera'])[1]
            for i in ds.video_info]
    expected = np.concatenate(refs).mean(axis=0)
    mean = ds.mean_pose_3d()
    assert mean.shape == (17, 3) and mean.dtype == np.float32
    np.testing.assert_allclose(mean, expected, atol=1e-6)


def test_pipeline_and_registry(h36m_data):

    @TRANSFORMS.register_module(name='_TestScale3D', force=True)
    class _TestScale3D:

        def __init__(self, factor):
            self.factor = factor

        def __call__(self, results):
            results['keypoints_3d'] = results['keypoints_3d'] * self.factor
            return results

    def add_key(results):
        results['seen'] = True
        return results

    root = h36m_data[0]
    plain = build(root, seq_len=3)
    ds = DATASETS.build(dict(
        type='Human36mDataset', data_root=root, subjects=['S1'], seq_len=3,
        pipeline=[dict(type='_TestScale3D', factor=1000.0), add_key]))
    assert isinstance(ds, Human36mDataset)
    out = ds[7]
    assert out['seen'] is True
    np.testing.assert_allclose(out['keypoints_3d'],
                               plain[7]['keypoints_3d'] * 1000, rtol=1e-6)


def test_17_joint_3d_file_is_accepted(tmp_path, h36m_data, h36m_io):
    _, pos3d, pos2d = h36m_data
    reduced = {s: {a: p[:, KEEP_17] for a, p in seqs.items()}
               for s, seqs in pos3d.items()}
    h36m_io.write(tmp_path, reduced, pos2d)
    a = build(str(tmp_path))
    b = build(h36m_data[0])
    np.testing.assert_array_equal(a.get_video(3)[1], b.get_video(3)[1])


# ------------------------------------------------------------- errors
@pytest.fixture
def bad_root(tmp_path, h36m_io):
    """Write a modified copy of the default arrays; return the root."""

    def write(modify):
        pos3d, pos2d = h36m_io.make()
        modify(pos3d, pos2d)
        h36m_io.write(tmp_path, pos3d, pos2d)
        return str(tmp_path)

    return write


def test_missing_files_say_how_to_make_them(tmp_path, h36m_data):
    with pytest.raises(FileNotFoundError) as err:
        build(str(tmp_path))
    msg = str(err.value)
    assert osp.join(str(tmp_path), FILE_3D) in msg
    assert 'prepare_data_h36m.py' in msg
    assert ('python tools/dataset_converters/make_synthetic_h36m.py '
            f'--out-dir {tmp_path}') in msg
    with pytest.raises(FileNotFoundError) as err:
        build(h36m_data[0], file_2d='data_2d_h36m_gt.npz')
    msg = str(err.value)
    assert 'data_2d_h36m_gt.npz' in msg and 'make_synthetic_h36m.py' in msg


def test_unknown_subject_action_and_bad_arguments(h36m_data):
    root = h36m_data[0]
    with pytest.raises(ValueError, match=r"'S2'.*\['S1', 'S5'\]"):
        build(root, subjects=['S1', 'S2'])
    with pytest.raises(ValueError, match='subjects is empty'):
        build(root, subjects=[])
    with pytest.raises(ValueError) as err:
        build(root, actions=['Sitting'])
    msg = str(err.value)
    assert "'Sitting'" in msg and "'Directions'" in msg
    assert "'Walking 1'" in msg
    with pytest.raises(ValueError, match="'Eating 2'"):
        build(root, subjects=['S5'], actions=['Eating 2'])
    with pytest.raises(ValueError, match='cameras'):
        build(root, cameras=[4])
    with pytest.raises(ValueError, match='cameras'):
        build(root, cameras=[1, 1])
    with pytest.raises(ValueError, match='downsample'):
        build(root, downsample=0)
    with pytest.raises(ValueError, match='subset'):
        build(root, subset=0)


def test_subject_without_calibration(bad_root):

    def modify(pos3d, pos2d):
        pos3d['S99'] = {'Walking': pos3d['S1']['Walking']}
        pos2d['S99'] = {'Walking': pos2d['S1']['Walking']}

    with pytest.raises(ValueError, match="'S99' has no calibration"):
        build(bad_root(modify), subjects=['S99'])


def test_wrong_3d_shape(bad_root):

    def modify(pos3d, pos2d):
        pos3d['S1']['Walking 1'] = pos3d['S1']['Walking 1'][:, :31]

    with pytest.raises(ValueError) as err:
        build(bad_root(modify))
    msg = str(err.value)
    for part in (FILE_3D, "'positions_3d'", "'S1'", "'Walking 1'",
                 '(6, 31, 3)', '(N, 32, 3)'):
        assert part in msg


def test_wrong_2d_shape(bad_root):

    def modify(pos3d, pos2d):
        pos2d['S1']['Walking'][2] = pos2d['S1']['Walking'][2][:, :16]

    with pytest.raises(ValueError) as err:
        build(bad_root(modify))
    msg = str(err.value)
    for part in (FILE_2D, "'positions_2d'", "'S1'", "'Walking'", 'camera 2',
                 '(12, 16, 2)', '(N, 17, 2)'):
        assert part in msg


def test_wrong_number_of_2d_cameras(bad_root):

    def modify(pos3d, pos2d):
        pos2d['S1']['Walking'] = pos2d['S1']['Walking'][:3]

    with pytest.raises(ValueError, match='list of 4 arrays.*got 3'):
        build(bad_root(modify))


def test_shorter_2d_names_everything(bad_root):

    def modify(pos3d, pos2d):
        pos2d['S1']['Walking 1'][3] = pos2d['S1']['Walking 1'][3][:4]

    with pytest.raises(ValueError) as err:
        build(bad_root(modify))
    msg = str(err.value)
    for part in (FILE_2D, FILE_3D, "'S1'", "'Walking 1'", 'camera 3',
                 '4 frames', '6 frames'):
        assert part in msg


def test_nan_3d_names_first_bad_frame(bad_root):

    def modify(pos3d, pos2d):
        pos3d['S1']['Walking'][3, 12, 1] = np.nan
        pos3d['S1']['Walking'][5, 0, 0] = np.nan

    with pytest.raises(ValueError) as err:
        build(bad_root(modify))
    msg = str(err.value)
    assert 'NaN/inf 3D' in msg and "'Walking'" in msg and 'frame 3' in msg
    assert "'S1'" in msg


def test_inf_2d_names_camera_and_frame(bad_root):

    def modify(pos3d, pos2d):
        pos2d['S1']['Directions 1'][2][1, 4, 0] = np.inf

    root = bad_root(modify)
    with pytest.raises(ValueError) as err:
        build(root)
    msg = str(err.value)
    assert 'NaN/inf 2D' in msg and "'Directions 1'" in msg
    assert 'camera 2' in msg and 'frame 1' in msg
    # Without camera 2 the same files load.
    assert len(build(root, cameras=[0, 1, 3])) == (5 + 9 + 6) * 3


def test_missing_2d_entry(bad_root):

    def modify(pos3d, pos2d):
        del pos2d['S1']['Walking 1']

    with pytest.raises(ValueError) as err:
        build(bad_root(modify))
    msg = str(err.value)
    assert 'no 2D entry' in msg and "'Walking 1'" in msg and "'S1'" in msg
    assert FILE_2D in msg


def test_3d_key_holding_an_array_is_refused(tmp_path):
    np.savez(tmp_path / FILE_3D, positions_3d=np.zeros((2, 32, 3)))
    with pytest.raises(ValueError, match='expected a dict'):
        build(str(tmp_path))


def test_2d_array_shared_between_cameras(tmp_path, h36m_io):
    """A file may reuse one array object for several cameras (pickle keeps
    the sharing); each camera must still be normalised once, by its own
    resolution."""
    pos3d, pos2d = h36m_io.make({'S1': {'Eating': 3}}, {})
    px = np.full((3, 17, 2), 500, np.float32)
    pos2d['S1']['Eating'] = [px] * 4
    h36m_io.write(tmp_path, pos3d, pos2d)
    ds = build(str(tmp_path))
    # 1000 x 1002 cameras: (0, 0.998 - 1.002); 1000 x 1000: (0, 0).
    for v, y in enumerate([-0.002, 0.0, 0.0, -0.002]):
        np.testing.assert_allclose(ds.get_video(v)[0],
                                   np.broadcast_to([0, y], (3, 17, 2)),
                                   atol=1e-6)
