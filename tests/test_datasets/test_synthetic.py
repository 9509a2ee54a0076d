"""Synthetic Human3.6M: file format, geometry, noise, determinism, motions.

References are independent of the generator: paper bone lengths typed in
here, a quaternion-product camera transform and a hand-written
pinhole + Brown-Conrady projection in float64, joint angles measured from
positions.
"""
import importlib.util
import json
import os.path as osp
import zipfile

import numpy as np
import pytest

from mpm.datasets.synthetic import (ACTIONS, Body, build_synthetic_h36m,
                                    detector_noise, generate_synthetic_h36m,
                                    subject_body, synthesize_motion,
                                    synthesize_motion_32)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAMERA_JSON = osp.join(REPO, 'mpm', 'utils', 'data', 'h36m_cameras.json')

KEEP = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
# Bone (parent, child) -> PAPER_FACTS mean length in mm.
PAPER_BONES_MM = {
    (0, 1): 134, (0, 4): 134, (1, 2): 443, (4, 5): 443, (2, 3): 443,
    (5, 6): 443, (0, 7): 236, (7, 8): 254, (8, 9): 117, (9, 10): 115,
    (8, 11): 151, (8, 14): 151, (11, 12): 277, (14, 15): 277,
    (12, 13): 248, (15, 16): 248,
}
SUBJECTS = ('S1', 'S9')
N = 150
TRIALS = 2
EXPECTED_SEQS = [
    'Walking', 'Walking 1', 'SittingDown', 'SittingDown 1', 'Waving',
    'Waving 1', 'Squatting', 'Squatting 1', 'Turning', 'Turning 1',
    'Reaching', 'Reaching 1'
]


def _load(path, key):
    with np.load(path, allow_pickle=True) as f:
        return f[key].item()


@pytest.fixture(scope='module')
def synthetic_files(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic_h36m'))
    paths = generate_synthetic_h36m(out, seed=3, num_frames=N,
                                    subjects=SUBJECTS, trials=TRIALS)
    return paths


@pytest.fixture(scope='module')
def loaded(synthetic_files):
    return dict(
        pos3d=_load(synthetic_files['3d'], 'positions_3d'),
        gt=_load(synthetic_files['2d_gt'], 'positions_2d'),
        det=_load(synthetic_files['2d_det'], 'positions_2d'),
    )


# --------------------------------------------------------------------------
# Independent camera model
# --------------------------------------------------------------------------
def _qmul(a, b):
    w1, x1, y1, z1 = np.moveaxis(a, -1, 0)
    w2, x2, y2, z2 = np.moveaxis(b, -1, 0)
    return np.stack([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2
    ], axis=-1)


def _rotate(q, v):
    """Rotate vectors v (..., 3) by unit quaternion q = [w, x, y, z]."""
    q = np.asarray(q, np.float64) / np.linalg.norm(q)
    vq = np.concatenate([np.zeros(v.shape[:-1] + (1, )), v], axis=-1)
    qc = q * np.array([1, -1, -1, -1])
    return _qmul(_qmul(np.broadcast_to(q, vq.shape), vq),
                 np.broadcast_to(qc, vq.shape))[..., 1:]


def _table():
    with open(CAMERA_JSON) as f:
        return json.load(f)


def _to_cam(points_m, intr, ext):
    """World metres -> camera metres: conj(q) (X - t) q (q camera->world)."""
    t = np.asarray(ext['translation'], np.float64) / 1000.0
    q = np.asarray(ext['orientation'], np.float64)
    return _rotate(q * np.array([1, -1, -1, -1]), points_m - t)


def _project(points_cam, intr, distort=True):
    x = points_cam[..., 0] / points_cam[..., 2]
    y = points_cam[..., 1] / points_cam[..., 2]
    if distort:
        k1, k2, k3 = intr['radial_distortion']
        p1, p2 = intr['tangential_distortion']
        r2 = x**2 + y**2
        rad = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
        x, y = (x * rad + 2 * p1 * x * y + p2 * (r2 + 2 * x**2),
                y * rad + p1 * (r2 + 2 * y**2) + 2 * p2 * x * y)
    f, c = intr['focal_length'], intr['center']
    return np.stack([f[0] * x + c[0], f[1] * y + c[1]], axis=-1)


# --------------------------------------------------------------------------
# Format
# --------------------------------------------------------------------------
def test_file_keys_structure_dtypes_shapes(synthetic_files, loaded):
    assert set(synthetic_files) == {'3d', '2d_gt', '2d_det'}
    names = {k: osp.basename(v) for k, v in synthetic_files.items()}
    assert names == {'3d': 'data_3d_h36m.npz', '2d_gt': 'data_2d_h36m_gt.npz',
                     '2d_det': 'data_2d_h36m_synthetic_det.npz'}
    with np.load(synthetic_files['3d'], allow_pickle=True) as f:
        assert sorted(f.files) == ['label_names', 'labels', 'positions_3d']
        names = [str(x) for x in f['label_names']]
        labels = f['labels'].item()
        for s in SUBJECTS:  # one action per sequence: every frame has it
            for seq in EXPECTED_SEQS:
                ids = labels[s][seq]
                assert ids.dtype == np.int16 and ids.shape == (N, )
                assert {names[i] for i in ids} == {seq.split(' ')[0]}
    for key in ('2d_gt', '2d_det'):
        with np.load(synthetic_files[key], allow_pickle=True) as f:
            assert sorted(f.files) == ['metadata', 'positions_2d']
            assert f['metadata'].item() == dict(
                layout_name='h36m', num_joints=17,
                keypoints_symmetry=[[4, 5, 6, 11, 12, 13],
                                    [1, 2, 3, 14, 15, 16]])
    for name in ('pos3d', 'gt', 'det'):
        assert list(loaded[name]) == list(SUBJECTS)
        for s in SUBJECTS:
            assert sorted(loaded[name][s]) == sorted(EXPECTED_SEQS)
    longer = 0
    for s in SUBJECTS:
        for seq in EXPECTED_SEQS:
            p3 = loaded['pos3d'][s][seq]
            assert type(p3) is np.ndarray and p3.dtype == np.float32
            assert p3.shape == (N, 32, 3) and p3.flags.c_contiguous
            for src in ('gt', 'det'):
                views = loaded[src][s][seq]
                assert isinstance(views, list) and len(views) == 4
                for v in views:
                    assert v.dtype == np.float32 and v.shape[1:] == (17, 2)
                    assert np.isfinite(v).all()
            assert [len(v) for v in loaded['gt'][s][seq]] == [N] * 4
            extra = [len(v) - N for v in loaded['det'][s][seq]]
            assert all(0 <= e <= 4 for e in extra), extra
            longer += any(extra)
    # Some (not all) detector sequences are longer than the 3D, like CPN's.
    assert 0 < longer < len(SUBJECTS) * len(EXPECTED_SEQS)


def test_project_loader_reads_files(synthetic_files):
    """The project's safe npz reader accepts the files (plain types only)."""
    io = pytest.importorskip('mpm.datasets.io')
    pos = io.load_npz_dict(synthetic_files['3d'], 'positions_3d')
    assert pos['S9']['Waving 1'].shape == (N, 32, 3)
    meta = io.load_npz_dict(synthetic_files['2d_det'], 'metadata')
    assert meta['num_joints'] == 17
    with zipfile.ZipFile(synthetic_files['2d_gt']) as zf:
        assert sorted(zf.namelist()) == ['metadata.npy', 'positions_2d.npy']


# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------
def test_world_units_and_camera_distances(loaded):
    table = _table()
    for s in SUBJECTS:
        for seq, p32 in loaded['pos3d'][s].items():
            p = p32[:, list(KEEP)].astype(np.float64)
            # Floor at z = 0: ankles ~8 cm above it, nothing below it.
            assert p[..., 2].min() > 0.0
            low_ankle = p[:, [3, 6], 2].min(axis=1)
            assert np.all((low_ankle > 0.05) & (low_ankle < 0.12)), seq
            # Near the world origin (the capture area).
            assert np.abs(p[:, 0, :2]).max() < 2.0, seq
            if seq.startswith(('Waving', 'Turning', 'Reaching')):
                assert 0.82 < np.median(p[:, 0, 2]) < 1.1, seq
            for intr, ext in zip(table['intrinsics'],
                                 table['extrinsics'][s]):
                depth = _to_cam(p, intr, ext)[..., 2]
                assert 4.0 < depth[:, 0].min() and depth[:, 0].max() < 7.0
                assert 3.5 < depth.min() and depth.max() < 7.5
            for view in loaded['gt'][s][seq]:
                assert view.min() > 0 and view.max() < 1000, seq


def test_walking_pelvis_height(loaded):
    for s in SUBJECTS:
        for seq in ('Walking', 'Walking 1'):
            z = loaded['pos3d'][s][seq][:, 0, 2]
            assert 0.8 < np.median(z) < 1.05


def test_gt_is_independent_projection_of_3d(loaded):
    table = _table()
    worst = 0.0
    for s in SUBJECTS:
        for seq, p32 in loaded['pos3d'][s].items():
            p = p32[:, list(KEEP)].astype(np.float64)
            for intr, ext, view in zip(table['intrinsics'],
                                       table['extrinsics'][s],
                                       loaded['gt'][s][seq]):
                ref = _project(_to_cam(p, intr, ext), intr)
                worst = max(worst, np.abs(ref - view).max())
    # float32 storage of pixels ~1000 px: rounding < 1e-4 px.
    assert worst < 1e-3


def test_projection_closed_forms():
    """A point on the optical axis lands on the principal point; without
    distortion the projection is f X / Z + c."""
    from dataclasses import replace

    from mpm.datasets.camera import h36m_cameras
    from mpm.datasets.synthetic import project_sequence
    table = _table()
    intr, ext = table['intrinsics'][1], table['extrinsics']['S5'][1]
    cam = h36m_cameras()['S5'][1]
    # Camera-frame points -> world with the independent quaternion rotation.
    pc = np.array([[0.0, 0.0, 5.0], [0.4, -0.3, 4.5], [-0.6, 0.5, 6.0]])
    world = _rotate(np.asarray(ext['orientation']), pc) + np.asarray(
        ext['translation']) / 1000.0
    px = project_sequence(world[None], [cam])[0][0].astype(np.float64)
    np.testing.assert_allclose(px[0], intr['center'], atol=1e-3)
    flat = replace(cam, radial=np.zeros(3), tangential=np.zeros(2))
    px = project_sequence(world[None], [flat])[0][0].astype(np.float64)
    f, c = np.array(intr['focal_length']), np.array(intr['center'])
    np.testing.assert_allclose(px, f * pc[:, :2] / pc[:, 2:] + c, atol=1e-3)


def _bone_lengths(p17):
    return {(par, c): np.linalg.norm(p17[:, c] - p17[:, par], axis=-1)
            for c, par in enumerate(PARENTS) if par >= 0}


def test_bone_lengths_constant_per_subject_and_differ(loaded):
    per_subject = {}
    for s in SUBJECTS:
        ref = None
        for seq, p32 in loaded['pos3d'][s].items():
            lengths = _bone_lengths(p32[:, list(KEEP)].astype(np.float64))
            for bone, ln in lengths.items():
                assert ln.max() - ln.min() < 1e-5, (s, seq, bone)
            means = np.array([ln.mean() for ln in lengths.values()])
            if ref is None:
                ref = means
            np.testing.assert_allclose(means, ref, atol=1e-5)
        per_subject[s] = ref
    assert np.abs(per_subject['S1'] - per_subject['S9']).max() > 2e-3


def test_bone_lengths_near_paper_means():
    bodies = [subject_body(s, seed=0) for s in
              ('S1', 'S5', 'S6', 'S7', 'S8', 'S9', 'S11')]
    poses = [synthesize_motion('Waving', 2, b, np.random.default_rng(0))
             for b in bodies]
    all_lengths = [_bone_lengths(p) for p in poses]
    for bone, mm in PAPER_BONES_MM.items():
        each = np.array([ln[bone][0] * 1000 for ln in all_lengths])
        assert np.all(np.abs(each / mm - 1) < 0.15), (bone, each)
        assert abs(each.mean() / mm - 1) < 0.08, (bone, each)
    # Different subjects, different bodies; the seed changes them too.
    assert len({round(ln[(1, 2)][0], 6) for ln in all_lengths}) == 7
    assert not np.allclose(subject_body('S1', 0).bone_lengths,
                           subject_body('S1', 1).bone_lengths)


def test_forward_kinematics_uses_the_given_bone_lengths():
    names = {(0, 1): 'pelvis_hip', (1, 2): 'thigh', (2, 3): 'shin',
             (0, 7): 'pelvis_spine', (7, 8): 'spine_thorax',
             (8, 9): 'thorax_neck', (9, 10): 'neck_head',
             (8, 11): 'thorax_shoulder', (11, 12): 'upper_arm',
             (12, 13): 'forearm'}
    body = Body.from_bone_lengths_mm(
        {name: PAPER_BONES_MM[bone] for bone, name in names.items()})
    for action in ACTIONS:
        p = synthesize_motion(action, 200, body, np.random.default_rng(2))
        for bone, ln in _bone_lengths(p).items():
            np.testing.assert_allclose(ln * 1000, PAPER_BONES_MM[bone],
                                       atol=1e-9)


def test_32_joint_fill_is_plausible():
    body = subject_body('S7', 0)
    p = synthesize_motion_32('Walking', 300, body, np.random.default_rng(1))
    assert p.shape == (300, 32, 3) and np.isfinite(p).all()
    ankles = {3: (4, 5), 8: (9, 10)}  # 32-layout ankle -> toe base, toe tip
    for ankle, (base, tip) in ankles.items():
        d = np.linalg.norm(p[:, base] - p[:, ankle], axis=-1)
        assert np.all((d > 0.08) & (d < 0.2))
        assert np.all(p[:, tip, 2] < p[:, ankle, 2])
        assert p[:, tip, 2].min() >= -1e-3  # toes do not go through floor
    np.testing.assert_array_equal(p[:, 16], p[:, 13])  # girdles = thorax
    np.testing.assert_array_equal(p[:, 24], p[:, 13])
    for wrist, pts in ((19, (20, 21, 22, 23)), (27, (28, 29, 30, 31))):
        for j in pts:
            d = np.linalg.norm(p[:, j] - p[:, wrist], axis=-1)
            assert np.all((d > 0.02) & (d < 0.12))
    # The 17 kept joints are exactly synthesize_motion's output.
    p17 = synthesize_motion('Walking', 300, body, np.random.default_rng(1))
    np.testing.assert_array_equal(p[:, list(KEEP)], p17)


# --------------------------------------------------------------------------
# Detector noise
# --------------------------------------------------------------------------
def _spread_pose(T):
    """A static (T, 17, 2) pose whose left and right limbs are far apart."""
    rng = np.random.default_rng(0)
    pose = rng.uniform(100, 900, size=(17, 2))
    return np.broadcast_to(pose, (T, 17, 2)).astype(np.float32)


def test_detector_noise_statistics():
    from mpm.datasets.synthetic import JOINT_NOISE_SCALE
    T, noise = 20000, 3.0
    gt = _spread_pose(T)
    det = detector_noise(gt, np.random.default_rng(5), noise_px=noise,
                         corr_frames=2.0, white_fraction=0.3,
                         outlier_rate=0.01, swap_rate=0.002)
    assert det.dtype == np.float32 and det.shape == gt.shape
    r = det.astype(np.float64) - gt
    big = np.linalg.norm(r, axis=-1) > 15.0
    # ~1% outliers + limb swaps (0.002 * 5 frames * 6 of 17 joints ~ 0.35%).
    assert 0.008 < big.mean() < 0.025
    # Jitter: per-joint robust std matches noise_px * scale.
    ok = ~big[..., None].repeat(2, -1)
    for j in range(17):
        rj = r[:, j][ok[:, j]]
        robust_std = 1.4826 * np.median(np.abs(rj - np.median(rj)))
        assert abs(robust_std / (noise * JOINT_NOISE_SCALE[j]) - 1) < 0.08
    # Temporal correlation: lag-1 autocorrelation 0.7 * exp(-1 / 16).
    good = ~(big[1:] | big[:-1])
    a, b = r[1:][good], r[:-1][good]
    rho = (a * b).mean() / np.sqrt((a * a).mean() * (b * b).mean())
    assert abs(rho - 0.7 * np.exp(-1 / 16)) < 0.05
    # Swaps exchange a whole limb with the other side for a few frames.
    legs = np.linalg.norm(det[:, [1, 2, 3]] - gt[:, [4, 5, 6]], axis=-1)
    swapped = (legs < 20).all(axis=1)
    arms = np.linalg.norm(det[:, [11, 12, 13]] - gt[:, [14, 15, 16]],
                          axis=-1)
    swapped |= (arms < 20).all(axis=1)
    assert 0.002 < swapped.mean() < 0.03


def test_detector_noise_off_is_exact_and_bad_shape_rejected():
    gt = _spread_pose(50)
    det = detector_noise(gt, np.random.default_rng(0), noise_px=0.0,
                         outlier_rate=0.0, swap_rate=0.0)
    np.testing.assert_array_equal(det, gt)
    with pytest.raises(ValueError, match=r'\(T, 17, 2\)'):
        detector_noise(np.zeros((5, 16, 2)), np.random.default_rng(0))


def test_det_files_are_gt_plus_noise(loaded):
    res = []
    for s in SUBJECTS:
        for seq in EXPECTED_SEQS:
            for g, d in zip(loaded['gt'][s][seq], loaded['det'][s][seq]):
                res.append((d[:N] - g).astype(np.float64).reshape(-1, 2))
    r = np.linalg.norm(np.concatenate(res), axis=-1)
    # Rayleigh median of 2D jitter with per-axis std ~3 px: ~3.5 px.
    assert 2.5 < np.median(r) < 4.5
    assert 0.005 < (r > 15).mean() < 0.04


def test_extra_det_frames_continue_the_motion():
    data = build_synthetic_h36m(seed=1, num_frames=60, subjects=['S6'],
                                actions=['Walking', 'Turning'], trials=3,
                                noise_px=0.0, outlier_rate=0.0,
                                swap_rate=0.0, extra_frames_prob=1.0)
    for seq, views in data['positions_2d_det']['S6'].items():
        for g, d in zip(data['positions_2d_gt']['S6'][seq], views):
            assert 61 <= len(d) <= 64
            np.testing.assert_array_equal(d[:60], g)
            # Plausible: the motion goes on at the speed it had (no jump,
            # no freeze of every joint).
            step = np.linalg.norm(np.diff(d[59:].astype(np.float64), axis=0),
                                  axis=-1)
            before = np.linalg.norm(np.diff(g.astype(np.float64), axis=0),
                                    axis=-1)
            assert step.max() < 1.5 * before.max() + 1.0
            assert step.max() > 0.05


# --------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------
def _equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_deterministic_and_seed_dependent():
    kw = dict(num_frames=40, subjects=['S1', 'S11'],
              actions=['Walking', 'Reaching'])
    a = build_synthetic_h36m(seed=7, **kw)
    b = build_synthetic_h36m(seed=7, **kw)
    c = build_synthetic_h36m(seed=8, **kw)
    for key in ('positions_3d', 'positions_2d_gt', 'positions_2d_det'):
        assert _equal(a[key], b[key])
        for s in ('S1', 'S11'):
            assert not np.allclose(a[key][s]['Walking 1'][0][:40],
                                   c[key][s]['Walking 1'][0][:40])
    # A subset reproduces the same sequences.
    sub = build_synthetic_h36m(seed=7, num_frames=40, subjects=['S11'],
                               actions=['Reaching'])
    assert _equal(sub['positions_3d']['S11'],
                  {k: v for k, v in a['positions_3d']['S11'].items()
                   if k.startswith('Reaching')})


def test_written_files_match_in_memory_build(synthetic_files, loaded):
    mem = build_synthetic_h36m(seed=3, num_frames=N, subjects=SUBJECTS,
                               trials=TRIALS)
    assert _equal(mem['positions_3d'], loaded['pos3d'])
    assert _equal(mem['positions_2d_det'], loaded['det'])


# --------------------------------------------------------------------------
# Motions
# --------------------------------------------------------------------------
def _angle(a, b):
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(
        b, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _knee_flexion(p):
    """(T, 2) angle between thigh and shin (degrees), right and left."""
    r = _angle(p[:, 2] - p[:, 1], p[:, 3] - p[:, 2])
    l = _angle(p[:, 5] - p[:, 4], p[:, 6] - p[:, 5])
    return np.stack([r, l], axis=1)


@pytest.fixture(scope='module')
def motions():
    body = subject_body('S8', 0)
    return body, {
        a: synthesize_motion(a, 1000, body, np.random.default_rng(11))
        for a in ACTIONS
    }


def test_actions_are_distinct(motions):
    body, m = motions
    travel = {a: np.linalg.norm(np.diff(p[:, 0, :2], axis=0), axis=-1).sum()
              for a, p in m.items()}
    assert travel['Walking'] > 10.0  # 20 s of walking
    for a in ('Waving', 'SittingDown', 'Squatting', 'Reaching', 'Turning'):
        assert travel[a] < 0.35 * travel['Walking'], a
    knee = {a: _knee_flexion(p) for a, p in m.items()}
    assert knee['Squatting'].max() > 100
    assert knee['Squatting'].mean() > knee['Walking'].mean() + 15
    assert knee['SittingDown'].max() > 75
    # Gait: the legs move in anti-phase (hip-to-ankle sweeps negatively
    # correlated), knees bend periodically.
    walk = m['Walking']
    sweep_r = walk[:, 3] - walk[:, 1]
    sweep_l = walk[:, 6] - walk[:, 4]
    fwd = walk[:, 4] - walk[:, 1]
    fwd = np.stack([fwd[:, 1], -fwd[:, 0]], axis=1)  # hip line rotated -90
    proj_r = (sweep_r[:, :2] * fwd).sum(-1)
    proj_l = (sweep_l[:, :2] * fwd).sum(-1)
    assert np.corrcoef(proj_r, proj_l)[0, 1] < -0.5
    assert knee['Walking'].max() > 40
    # Waving: a wrist goes above the head; never while walking.
    above = np.maximum(m['Waving'][:, 13, 2], m['Waving'][:, 16, 2]) \
        - m['Waving'][:, 10, 2]
    assert above.max() > 0.0
    assert (np.maximum(walk[:, 13, 2], walk[:, 16, 2]) < walk[:, 10, 2]).all()
    # Sitting / squatting lower the pelvis with feet on the floor.
    for a in ('SittingDown', 'Squatting'):
        assert m[a][:, 0, 2].min() < 0.65
        low = m[a][:, [3, 6], 2].min(axis=1)
        assert np.abs(low - body.ankle_height).max() < 0.015
    # Turning: large changes of heading (hip line yaw) without walking away.
    hips = m['Turning'][:, 4] - m['Turning'][:, 1]
    yaw = np.unwrap(np.arctan2(hips[:, 1], hips[:, 0]))
    assert np.abs(np.diff(yaw)).sum() > np.pi
    # Reaching: an arm extends far from the thorax and the torso leans.
    reach = np.maximum(
        np.linalg.norm(m['Reaching'][:, 13] - m['Reaching'][:, 8], axis=-1),
        np.linalg.norm(m['Reaching'][:, 16] - m['Reaching'][:, 8], axis=-1))
    arm = body.bone_lengths[12] + body.bone_lengths[13]
    assert reach.max() > 0.85 * arm
    resting = np.linalg.norm(m['Waving'][:, 13] - m['Waving'][:, 8],
                             axis=-1)
    assert reach.max() > resting.min() + 0.1


def test_trials_differ(motions):
    body, m = motions
    other = synthesize_motion('Waving', 1000, body, np.random.default_rng(12))
    assert np.abs(other - m['Waving']).max() > 0.1


def test_smooth_motion(loaded, motions):
    seqs = [p[:, list(KEEP)] for s in SUBJECTS
            for p in loaded['pos3d'][s].values()]
    seqs += list(motions[1].values())
    for p in seqs:
        p = p.astype(np.float64)
        vel = np.linalg.norm(np.diff(p, axis=0), axis=-1)
        acc = np.linalg.norm(np.diff(p, 2, axis=0), axis=-1)
        assert vel.max() < 0.15  # < 7.5 m/s at 50 fps
        assert acc.max() < 0.05


def test_bad_arguments_have_clear_errors(tmp_path):
    with pytest.raises(ValueError, match='Jumping.*choose from'):
        build_synthetic_h36m(num_frames=10, actions=['Jumping'])
    with pytest.raises(ValueError, match="'S2'.*calibration"):
        build_synthetic_h36m(num_frames=10, subjects=['S2'])
    with pytest.raises(ValueError, match='num_frames'):
        build_synthetic_h36m(num_frames=0)
    with pytest.raises(ValueError, match='17 positive lengths'):
        Body(np.ones(16))


def test_cli_writes_and_reports(tmp_path, capsys):
    path = osp.join(REPO, 'tools', 'dataset_converters',
                    'make_synthetic_h36m.py')
    spec = importlib.util.spec_from_file_location('make_synth', path)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = str(tmp_path / 'syn')
    cli.main(['--out-dir', out, '--num-frames', '30', '--subjects', 'S5',
              '--actions', 'Walking', 'Waving', '--trials', '3'])
    text = capsys.readouterr().out
    for name in ('data_3d_h36m.npz', 'data_2d_h36m_gt.npz',
                 'data_2d_h36m_synthetic_det.npz'):
        assert osp.isfile(osp.join(out, name)) and name in text
    assert 'sequences  6' in text and 'Waving 2' in text
    assert '180 in total' in text
    pos = _load(osp.join(out, 'data_3d_h36m.npz'), 'positions_3d')
    assert sorted(pos['S5']) == ['Walking', 'Walking 1', 'Walking 2',
                                 'Waving', 'Waving 1', 'Waving 2']
