"""AmassDataset: windows, units, projections (Human3.6M and virtual cameras),
determinism, 3D-only items and mixing with Human3.6M."""
import json
import os.path as osp

import numpy as np
import pytest
from torch.utils.data import default_collate

from mpm.datasets import AmassDataset, Human36mDataset, MixtureDataset
from mpm.registry import DATASETS

LENGTHS = {'CMU/01/01_01_poses': 11, 'BMLmovi/Subject_1/walk': 6}


def make_positions(lengths=LENGTHS, seed=0):
    """(N, 17, 3) Z-up world metres: a body ~1 m tall around a root that
    drifts, ~1 m above the floor, a few metres from the origin."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, n in lengths.items():
        root = np.array([1.5, -2.0, 0.9]) + np.cumsum(
            rng.normal(0, 0.05, size=(n, 3)), axis=0)
        body = rng.uniform(-0.5, 0.5, size=(n, 17, 3))
        body[:, 0] = 0
        out[name] = (root[:, None] + body).astype(np.float32)
    return out


@pytest.fixture(scope='module')
def amass_file(tmp_path_factory):
    root = tmp_path_factory.mktemp('amass')
    pos = make_positions()
    np.savez_compressed(osp.join(root, 'joints.npz'), positions_3d=pos,
                        metadata=dict(fps=50.0, up_axis='z'))
    return str(root), pos


def expected_frames(n, centre, seq_len, dilation):
    """Edge-padded frame indices, written out by hand."""
    half = seq_len // 2
    return [min(max(centre + dilation * (k - half), 0), n - 1)
            for k in range(seq_len)]


def pinhole(x_cam, f, c, w, h):
    """Undistorted pinhole -> normalised screen coordinates (float64)."""
    px = f * x_cam[..., :2] / x_cam[..., 2:3] + c
    return np.stack([px[..., 0] / w * 2 - 1, px[..., 1] / w * 2 - h / w], -1)


def distorted_normalised(x_cam, intr):
    """Brown-Conrady projection of the raw table entry -> normalised."""
    x = x_cam[..., 0] / x_cam[..., 2]
    y = x_cam[..., 1] / x_cam[..., 2]
    k1, k2, k3 = intr['radial_distortion']
    p1, p2 = intr['tangential_distortion']
    r2 = x * x + y * y
    rad = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2
    xd = x * rad + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    yd = y * rad + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    u = intr['focal_length'][0] * xd + intr['center'][0]
    v = intr['focal_length'][1] * yd + intr['center'][1]
    w, h = intr['res_w'], intr['res_h']
    return np.stack([u / w * 2 - 1, v / w * 2 - h / w], -1)


# A fixed virtual camera: 5 m from the target along +y, horizontal, f 1000.
FIXED_VIRTUAL = dict(distance=(5.0, 5.0), azimuth=(90.0, 90.0),
                     elevation=(0.0, 0.0), focal_length=(1000.0, 1000.0),
                     image_size=(1000, 1000))


def fixed_virtual_cam_coords(world, root):
    """Camera coordinates for FIXED_VIRTUAL by hand: the camera sits at
    root + (0, 5, 0) looking along -y, so image x = -world x, image y =
    -world z (down), depth = 5 - (y - y_root)."""
    d = world - root
    return np.stack([-d[..., 0], -d[..., 2], 5.0 - d[..., 1]], -1)


def test_windows_length_and_3d_h36m_camera(amass_file, camera_table,
                                           quat_to_rot):
    root, pos = amass_file
    ds = AmassDataset(root, 'joints.npz', seq_len=5, dilation=2,
                      modality='both', camera='h36m', cameras=[1, 3],
                      camera_subject='S9')
    # sequences sorted by name: BMLmovi (6 frames) then CMU (11), 2 views
    assert ds.sequences == ['BMLmovi/Subject_1/walk', 'CMU/01/01_01_poses']
    assert len(ds) == (6 + 11) * 2
    ext = camera_table['extrinsics']['S9']
    # index: BMLmovi view 0 (6) + view 1 (6) + CMU view 0 (11) -> CMU view
    # 1 (camera 3), frame 1
    item = ds[6 + 6 + 11 + 1]
    assert item['meta']['sequence'] == 'CMU/01/01_01_poses'
    assert item['meta']['camera'] == 3 and item['meta']['frame'] == 1
    assert item['meta']['camera_id'] == camera_table['intrinsics'][3]['id']
    frames = expected_frames(11, 1, 5, 2)
    assert frames == [0, 0, 1, 3, 5]
    world = pos['CMU/01/01_01_poses'][frames].astype(np.float64)
    rot = quat_to_rot(ext[3]['orientation'])
    expected = (world - world[:, :1]) @ rot   # R^T (X - X_root), metres
    assert item['keypoints_3d'].dtype == np.float32
    assert item['keypoints_3d'].shape == (5, 17, 3)
    np.testing.assert_allclose(item['keypoints_3d'], expected, atol=1e-5)
    # metres: bone lengths are those of the file
    np.testing.assert_allclose(
        np.linalg.norm(item['keypoints_3d'][:, 5] - item['keypoints_3d'][:,
                                                                         4],
                       axis=-1),
        np.linalg.norm(world[:, 5] - world[:, 4], axis=-1), atol=1e-5)
    assert item['target_index'] == 2
    assert item['has_2d'] is True and item['has_3d'] is True


def test_h36m_projection_with_explicit_origin(amass_file, camera_table,
                                              quat_to_rot):
    root, pos = amass_file
    origin = (0.1, 0.2)
    ds = AmassDataset(root, 'joints.npz', seq_len=3, dilation=1,
                      modality='both', camera='h36m', camera_subject='S1',
                      h36m_origin=origin)
    seq = pos['BMLmovi/Subject_1/walk'].astype(np.float64)
    for cam in range(4):
        item = ds[cam * 6 + 4]          # frame 4 of the BMLmovi sequence
        frames = expected_frames(6, 4, 3, 1)
        world = seq[frames].copy()
        centre_root = seq[4, 0]
        world[..., 0] += origin[0] - centre_root[0]
        world[..., 1] += origin[1] - centre_root[1]
        ext = camera_table['extrinsics']['S1'][cam]
        intr = camera_table['intrinsics'][cam]
        rot = quat_to_rot(ext['orientation'])
        x_cam = (world - np.asarray(ext['translation']) / 1000) @ rot
        assert x_cam[..., 2].min() > 1.0   # no depth correction here
        np.testing.assert_allclose(item['keypoints_2d'],
                                   distorted_normalised(x_cam, intr),
                                   atol=1e-5)


def test_h36m_auto_origin_keeps_subject_in_view(amass_file):
    root, _ = amass_file
    ds = AmassDataset(root, 'joints.npz', seq_len=1, modality='both',
                      camera='h36m')
    assert np.all(np.abs(ds.h36m_origin) < 1.0)
    for i in range(len(ds)):
        root_2d = ds[i]['keypoints_2d'][0, 0]
        assert np.all(np.abs(root_2d) < 0.6), (i, root_2d)


def test_virtual_camera_by_hand(amass_file):
    root, pos = amass_file
    ds = AmassDataset(root, 'joints.npz', seq_len=5, dilation=1,
                      modality='both', camera='virtual',
                      virtual_camera=FIXED_VIRTUAL)
    assert len(ds) == 6 + 11
    item = ds[6 + 7]                     # CMU frame 7
    seq = pos['CMU/01/01_01_poses'].astype(np.float64)
    world = seq[expected_frames(11, 7, 5, 1)]
    x_cam = fixed_virtual_cam_coords(world, seq[7, 0])
    np.testing.assert_allclose(item['keypoints_2d'],
                               pinhole(x_cam, 1000, 500, 1000, 1000),
                               atol=1e-5)
    np.testing.assert_allclose(item['keypoints_3d'],
                               x_cam - x_cam[:, :1], atol=1e-5)
    # the camera looks at the root of the centre frame: image centre
    np.testing.assert_allclose(item['keypoints_2d'][2, 0], [0, 0], atol=1e-6)
    assert item['meta']['camera_id'] == 'virtual0'


def test_min_depth_moves_camera_back(tmp_path):
    # the subject walks 16 m straight at the fixed camera (5 m away)
    n = 9
    world = np.zeros((n, 17, 3))
    world[:, :, 1] = np.linspace(0, 16, n)[:, None]
    world[:, 1:, 2] = np.linspace(0.1, 0.8, 16)
    world[:, 1:, 0] = np.linspace(-0.3, 0.3, 16)
    np.savez(tmp_path / 'j.npz', positions_3d={'s': world.astype(np.float32)})
    ds = AmassDataset(str(tmp_path), 'j.npz', seq_len=9, modality='both',
                      camera='virtual', virtual_camera=FIXED_VIRTUAL,
                      min_depth=1.5)
    item = ds[2]                         # centre frame 2: y_root = 2
    frames = expected_frames(n, 2, 9, 1)
    x_cam = fixed_virtual_cam_coords(world[frames], world[2, 0])
    assert x_cam[..., 2].min() < 0       # would be behind the camera
    x_cam[..., 2] += 1.5 - x_cam[..., 2].min()
    np.testing.assert_allclose(item['keypoints_2d'],
                               pinhole(x_cam, 1000, 500, 1000, 1000),
                               atol=1e-5)
    assert np.isfinite(item['keypoints_2d']).all()


def test_y_up_file(tmp_path):
    pos = make_positions({'a': 4})
    # the same motion written Y-up: (x, y, z)_zup -> (x, z, -y)_yup
    yup = {'a': np.stack([pos['a'][..., 0], pos['a'][..., 2],
                          -pos['a'][..., 1]], -1)}
    np.savez(tmp_path / 'z.npz', positions_3d=pos)
    np.savez(tmp_path / 'y.npz', positions_3d=yup,
             metadata=dict(up_axis='y'))
    kw = dict(seq_len=3, modality='both', camera='virtual', seed=3)
    a = AmassDataset(str(tmp_path), 'z.npz', **kw)
    b = AmassDataset(str(tmp_path), 'y.npz', **kw)
    c = AmassDataset(str(tmp_path), 'y.npz', up_axis='z', **kw)
    for i in range(len(a)):
        for key in ('keypoints_2d', 'keypoints_3d'):
            np.testing.assert_allclose(a[i][key], b[i][key], atol=1e-5)
    assert not np.allclose(a[1]['keypoints_3d'], c[1]['keypoints_3d'])


def test_determinism_and_seed(amass_file):
    root, _ = amass_file
    kw = dict(seq_len=5, modality='both', camera='virtual', num_views=3)
    a = AmassDataset(root, 'joints.npz', seed=7, **kw)
    b = AmassDataset(root, 'joints.npz', seed=7, **kw)
    c = AmassDataset(root, 'joints.npz', seed=8, **kw)
    assert len(a) == 3 * (6 + 11)
    for i in (0, 5, 6, 20, len(a) - 1):
        np.testing.assert_array_equal(a[i]['keypoints_2d'],
                                      b[i]['keypoints_2d'])
        np.testing.assert_array_equal(a[i]['keypoints_2d'],
                                      a[i]['keypoints_2d'])
    assert not np.allclose(a[3]['keypoints_2d'], c[3]['keypoints_2d'])
    # views of the same window differ; the root-relative 3D keeps its norm
    v0, v1 = a[2], a[6 + 2]
    assert v0['meta']['frame'] == v1['meta']['frame'] == 2
    assert not np.allclose(v0['keypoints_2d'], v1['keypoints_2d'])
    np.testing.assert_allclose(np.linalg.norm(v0['keypoints_3d'], axis=-1),
                               np.linalg.norm(v1['keypoints_3d'], axis=-1),
                               atol=1e-5)


def test_random_virtual_cameras_within_ranges(amass_file):
    root, pos = amass_file
    ds = AmassDataset(root, 'joints.npz', seq_len=1, modality='both',
                      camera='virtual', num_views=8, seed=1)
    dists, elevs = [], []
    for i in range(0, len(ds), 3):
        seq, view = divmod(int(ds.window_index.locate(i)[0]), 8)
        world = ds.sequence_world(seq)[[ds[i]['meta']['frame']]]
        cam, _ = ds.camera_for(seq, view, world)
        offset = cam.translation - world[0, 0]
        dists.append(np.linalg.norm(offset))
        elevs.append(np.degrees(np.arcsin(offset[2] / dists[-1])))
        rot = cam.rotation
        np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-12)
        assert np.linalg.det(rot) == pytest.approx(1.0)
        assert rot[2, 1] < 0          # image y points down (world -z)
    assert 4.0 <= min(dists) and max(dists) <= 7.0
    assert 0.0 <= min(elevs) and max(elevs) <= 25.0
    assert np.ptp(dists) > 0.1


def test_modalities(amass_file):
    root, _ = amass_file
    only3d = AmassDataset(root, 'joints.npz', seq_len=5, modality='3d')
    only2d = AmassDataset(root, 'joints.npz', seq_len=5, modality='2d')
    both = AmassDataset(root, 'joints.npz', seq_len=5, modality='both')
    a, b, c = only3d[9], only2d[9], both[9]
    assert a['has_2d'] is False and a['has_3d'] is True
    assert b['has_2d'] is True and b['has_3d'] is False
    assert a['keypoints_2d'].shape == (5, 17, 2)
    assert not a['keypoints_2d'].any() and not b['keypoints_3d'].any()
    np.testing.assert_array_equal(a['keypoints_3d'], c['keypoints_3d'])
    np.testing.assert_array_equal(b['keypoints_2d'], c['keypoints_2d'])
    batch = default_collate([a, a])
    assert batch['has_2d'].tolist() == [False, False]


def test_subsets_downsample_and_registry(amass_file):
    root, _ = amass_file
    ds = DATASETS.build(dict(type='AmassDataset', data_root=root,
                             ann_file='joints.npz', seq_len=3,
                             subsets=['CMU'], downsample=2, cameras=[0]))
    assert ds.sequences == ['CMU/01/01_01_poses']
    assert len(ds) == 6                  # ceil(11 / 2) frames, 1 camera
    with pytest.raises(ValueError, match='available'):
        AmassDataset(root, 'joints.npz', subsets=['KIT'])


def test_exclude_subsets(amass_file):
    root, pos = amass_file
    subsets = sorted({n.split('/')[0] for n in pos})
    assert 'CMU' in subsets and len(subsets) >= 2
    ds = AmassDataset(root, 'joints.npz', seq_len=3,
                      exclude_subsets=['CMU'])
    assert ds.sequences == sorted(n for n in pos if not n.startswith('CMU/'))
    both = AmassDataset(root, 'joints.npz', seq_len=3, subsets=subsets,
                        exclude_subsets='CMU')
    assert both.sequences == ds.sequences
    # a misspelt exclusion would silently keep held-out data: an error
    with pytest.raises(ValueError, match="exclude_subsets \\['cmu'\\]"):
        AmassDataset(root, 'joints.npz', exclude_subsets=['cmu'])
    with pytest.raises(ValueError, match='no sequence left'):
        AmassDataset(root, 'joints.npz', subsets=['CMU'],
                     exclude_subsets=['CMU'])


def test_npy_cache_matches_npz(amass_file, tmp_path):
    root, pos = amass_file
    names = sorted(pos)
    arr = np.concatenate([pos[n] for n in names])
    np.save(tmp_path / 'c.npy', arr)
    index, start = [], 0
    for n in names:
        index.append([n, start, len(pos[n])])
        start += len(pos[n])
    with open(tmp_path / 'c.json', 'w') as f:
        json.dump(dict(sequences=index[::-1], metadata=dict(fps=50.0)), f)
    kw = dict(seq_len=5, dilation=2, modality='both', camera='virtual')
    a = AmassDataset(root, 'joints.npz', **kw)
    b = AmassDataset(str(tmp_path), 'c.npy', **kw)
    assert isinstance(b._blocks[0], np.memmap) or isinstance(
        b._blocks[0].base, np.memmap)
    assert len(a) == len(b)
    for i in range(0, len(a), 4):
        for key in ('keypoints_2d', 'keypoints_3d'):
            np.testing.assert_array_equal(a[i][key], b[i][key])


def test_errors(amass_file, tmp_path):
    root, _ = amass_file
    with pytest.raises(FileNotFoundError, match='prepare_amass.py'):
        AmassDataset(str(tmp_path), 'missing.npz')
    np.savez(tmp_path / 'bad.npz',
             positions_3d={'x/y': np.zeros((4, 24, 3), np.float32)})
    with pytest.raises(ValueError, match=r"'x/y'.*\(N, 17, 3\)"):
        AmassDataset(str(tmp_path), 'bad.npz')
    with pytest.raises(ValueError, match='modality'):
        AmassDataset(root, 'joints.npz', modality='rgb')
    with pytest.raises(ValueError, match='camera'):
        AmassDataset(root, 'joints.npz', camera='kinect')
    with pytest.raises(ValueError, match='unknown virtual_camera'):
        AmassDataset(root, 'joints.npz', camera='virtual',
                     virtual_camera=dict(fov=60))
    with pytest.raises(FileNotFoundError, match='--npy-cache'):
        AmassDataset(str(tmp_path), 'none.npy')


def test_mixes_with_human36m(amass_file, h36m_data):
    root, _ = amass_file
    h36m_root = h36m_data[0]
    amass = AmassDataset(root, 'joints.npz', seq_len=5, modality='3d')
    h36m = Human36mDataset(h36m_root, subjects=['S5'], seq_len=5)
    mix = MixtureDataset([h36m, amass], num_samples=[3, 2], seed=0)
    batch = default_collate([mix[i] for i in range(len(mix))])
    assert batch['keypoints_2d'].shape == (5, 5, 17, 2)
    assert batch['has_2d'].tolist() == [True, True, True, False, False]
    assert batch['has_3d'].tolist() == [True] * 5
    assert batch['meta']['dataset'] == ['h36m'] * 3 + ['amass'] * 2
