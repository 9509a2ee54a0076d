"""prepare_amass.py: a tiny body model written by the test, forward
kinematics and resampling checked against independent float64 references."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest

from mpm.datasets import AmassDataset, load_npz_dict

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'prepare_amass',
    osp.join(REPO, 'tools', 'dataset_converters', 'prepare_amass.py'))
PA = importlib.util.module_from_spec(spec)
spec.loader.exec_module(PA)

try:
    import smplx  # noqa: F401
    HAS_SMPLX = True
except ImportError:
    HAS_SMPLX = False

PARENTS = [-1, 0, 1]      # a 3-joint chain
NUM_VERTS = 6


def make_model(seed):
    """A tiny SMPL-like model: 6 vertices, 3 joints, 2 shape and 18 pose
    blend shapes, vertices skinned to two joints each."""
    rng = np.random.default_rng(seed)
    v_template = rng.normal(0, 0.3, size=(NUM_VERTS, 3))
    j_reg = rng.uniform(0.1, 1, size=(3, NUM_VERTS))
    j_reg /= j_reg.sum(1, keepdims=True)
    weights = np.zeros((NUM_VERTS, 3))
    for v in range(NUM_VERTS):
        a, b = v % 3, (v + 1) % 3
        weights[v, a], weights[v, b] = 0.7, 0.3
    return dict(
        v_template=v_template,
        shapedirs=rng.normal(0, 0.05, size=(NUM_VERTS, 3, 2)),
        posedirs=rng.normal(0, 0.02, size=(NUM_VERTS, 3, 18)),
        J_regressor=j_reg, weights=weights,
        kintree_table=np.array([[4294967295, 0, 1], [0, 1, 2]], np.int64),
        f=np.array([[0, 1, 2]], np.uint32))


def rot_by_vector_formula(rotvec):
    """Rotation matrix whose columns are the basis vectors rotated with
    v cos t + (k x v) sin t + k (k . v)(1 - cos t) (independent of the tool's
    matrix Rodrigues)."""
    t = np.linalg.norm(rotvec)
    if t < 1e-15:
        return np.eye(3)
    k = rotvec / t
    cols = [e * np.cos(t) + np.cross(k, e) * np.sin(t) +
            k * np.dot(k, e) * (1 - np.cos(t)) for e in np.eye(3)]
    return np.stack(cols, axis=1)


def reference_vertices(model, pose, trans, betas):
    """One frame of linear blend skinning by forward kinematics (float64)."""
    nb = model['shapedirs'].shape[2]
    b = np.zeros(nb)
    b[:min(nb, len(betas))] = betas[:nb]
    v = model['v_template'] + np.einsum('vcs,s->vc', model['shapedirs'], b)
    joints = model['J_regressor'] @ v
    rots = [rot_by_vector_formula(pose[3 * j:3 * j + 3]) for j in range(3)]
    feat = np.concatenate([(r - np.eye(3)).ravel() for r in rots[1:]])
    v = v + np.einsum('vcp,p->vc', model['posedirs'], feat)
    g_rot, g_pos = [], []
    for j, p in enumerate(PARENTS):
        if p < 0:
            g_rot.append(rots[0])
            g_pos.append(joints[0])
        else:
            g_rot.append(g_rot[p] @ rots[j])
            g_pos.append(g_pos[p] + g_rot[p] @ (joints[j] - joints[p]))
    out = np.zeros_like(v)
    for i in range(NUM_VERTS):
        for j in range(3):
            out[i] += model['weights'][i, j] * (
                g_pos[j] + g_rot[j] @ (v[i] - joints[j]))
    return out + trans


def interp_reference(joints, src_fps, dst_fps=50.0):
    """np.interp of every coordinate at times k / dst_fps."""
    n = len(joints)
    t_src = np.arange(n) / src_fps
    t_dst = np.arange(0, t_src[-1] + 1e-9, 1 / dst_fps)
    flat = joints.reshape(n, -1)
    out = np.stack([np.interp(t_dst, t_src, flat[:, c])
                    for c in range(flat.shape[1])], 1)
    return out.reshape((len(t_dst), ) + joints.shape[1:])


@pytest.fixture(scope='module')
def amass_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('amass_conv')
    models = {'male': make_model(1), 'female': make_model(2)}
    for gender, model in models.items():
        os.makedirs(root / 'smplh' / gender)
        np.savez(root / 'smplh' / gender / 'model.npz', **model)
    rng = np.random.default_rng(3)
    reg = rng.uniform(0, 1, size=(17, NUM_VERTS))
    reg[:, 5] = 0                    # vertex 5 unused by the regressor
    reg /= reg.sum(1, keepdims=True)
    np.save(root / 'J_regressor_h36m.npy', reg)
    seqs = {}
    raw = root / 'raw'
    for name, n, fps, key, gender in (
            ('CMU/01/01_01_poses', 13, 120.0, 'mocap_framerate', 'male'),
            ('KIT/3/walk_poses', 7, 30.0, 'mocap_frame_rate', b'female')):
        path = raw / (name + '.npz')
        os.makedirs(path.parent, exist_ok=True)
        seq = dict(poses=rng.normal(0, 0.6, size=(n, 9)),
                   trans=rng.normal(0, 1, size=(n, 3)),
                   betas=rng.normal(0, 1, size=16), fps=fps,
                   gender=gender if isinstance(gender, str) else
                   gender.decode())
        np.savez(path, poses=seq['poses'], trans=seq['trans'],
                 betas=seq['betas'], gender=np.array(gender),
                 **{key: np.array(fps)})
        seqs[name] = seq
    np.savez(raw / 'CMU' / '01' / 'shape.npz', betas=np.zeros(16),
             gender=np.array('male'))
    return root, models, reg, seqs


def test_resample_plan_by_hand():
    i0, i1, w = PA.resample_plan(5, 100.0, 50.0)        # every other frame
    assert i0.tolist() == [0, 2, 4] and not w.any()
    i0, i1, w = PA.resample_plan(3, 25.0, 50.0)         # midpoints
    assert i0.tolist() == [0, 0, 1, 1, 2]
    assert i1.tolist() == [1, 1, 2, 2, 2]
    np.testing.assert_allclose(w, [0, 0.5, 0, 0.5, 0])
    x = np.arange(7, dtype=float)[:, None] ** 2          # 60 fps, 0.1 s
    ref = np.interp(np.arange(6) / 50, np.arange(7) / 60, x[:, 0])
    np.testing.assert_allclose(PA.resample_linear(x, 60.0)[:, 0], ref)
    with pytest.raises(ValueError):
        PA.resample_plan(0, 60.0)


def test_regress_joints_with_stand_in_model():
    rng = np.random.default_rng(0)
    verts = rng.normal(size=(10, 4, 3))
    reg = rng.uniform(size=(17, 4))
    calls = []

    def body(params):
        calls.append(len(params['poses']))
        idx = params['poses'][:, 0].astype(int)
        return verts[idx]

    params = dict(poses=np.arange(10, dtype=float)[:, None].repeat(3, 1),
                  trans=np.zeros((10, 3)), betas=np.zeros(2))
    out = PA.regress_joints(params, body, reg, chunk_size=4)
    assert calls == [4, 4, 2]
    for n in range(10):
        for j in range(17):
            np.testing.assert_allclose(out[n, j], (reg[j][:, None] *
                                                   verts[n]).sum(0))
    with pytest.raises(ValueError, match='vertices'):
        PA.regress_joints(params, body, rng.uniform(size=(17, 5)))


def test_numpy_body_model_matches_forward_kinematics(amass_setup):
    root, models, _, seqs = amass_setup
    seq = seqs['CMU/01/01_01_poses']
    model = PA.NumpyBodyModel(str(root / 'smplh' / 'male' / 'model.npz'))
    verts = model(dict(poses=seq['poses'], trans=seq['trans'],
                       betas=seq['betas']))
    for n in range(len(seq['poses'])):
        np.testing.assert_allclose(
            verts[n], reference_vertices(models['male'], seq['poses'][n],
                                         seq['trans'][n], seq['betas']),
            atol=1e-10)
    sub = PA.NumpyBodyModel(str(root / 'smplh' / 'male' / 'model.npz'),
                            vertex_ids=[4, 1])
    np.testing.assert_allclose(
        sub(dict(poses=seq['poses'], trans=seq['trans'],
                 betas=seq['betas'])), verts[:, [4, 1]], atol=1e-12)
    # zero pose, zero shape: the template moved by trans
    zero = model(dict(poses=np.zeros((1, 9)), trans=np.ones((1, 3)),
                      betas=np.zeros(2)))
    np.testing.assert_allclose(zero[0], models['male']['v_template'] + 1)


def test_converter_end_to_end(amass_setup, tmp_path):
    root, models, reg, seqs = amass_setup
    out = tmp_path / 'amass.npz'
    PA.main(['--amass-dir', str(root / 'raw'), '--body-model',
             str(root / 'smplh'), '--regressor',
             str(root / 'J_regressor_h36m.npy'), '--out', str(out),
             '--backend', 'numpy', '--model-type', 'smplh', '--chunk-size',
             '3', '--npy-cache'])
    pos = load_npz_dict(str(out), 'positions_3d')
    meta = load_npz_dict(str(out), 'metadata')
    assert sorted(pos) == ['CMU/01/01_01_poses', 'KIT/3/walk_poses']
    assert meta['fps'] == 50.0 and meta['up_axis'] == 'z'
    assert meta['source_fps'] == {'CMU/01/01_01_poses': 120.0,
                                  'KIT/3/walk_poses': 30.0}
    assert meta['gender'] == {'CMU/01/01_01_poses': 'male',
                              'KIT/3/walk_poses': 'female'}
    for name, seq in seqs.items():
        model = models[seq['gender']]
        joints = np.stack([
            reg @ reference_vertices(model, p, t, seq['betas'])
            for p, t in zip(seq['poses'], seq['trans'])])
        expected = interp_reference(joints, seq['fps'])
        n = len(seq['poses'])
        assert len(expected) == int((n - 1) / seq['fps'] * 50 + 1e-9) + 1
        got = pos[name]
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-5)
    # 13 frames at 120 fps = 0.1 s -> 6 frames; 7 at 30 fps -> 11 frames
    assert len(pos['CMU/01/01_01_poses']) == 6
    assert len(pos['KIT/3/walk_poses']) == 11
    # the memory-map cache reads back to the same windows
    ds_npz = AmassDataset(str(tmp_path), 'amass.npz', seq_len=3,
                          modality='both')
    ds_npy = AmassDataset(str(tmp_path), 'amass.npy', seq_len=3,
                          modality='both')
    assert len(ds_npz) == len(ds_npy) == (6 + 11) * 4
    for i in (0, 7, len(ds_npz) - 1):
        np.testing.assert_array_equal(ds_npz[i]['keypoints_3d'],
                                      ds_npy[i]['keypoints_3d'])


def test_body_model_lookup_and_errors(amass_setup, tmp_path):
    root, _, reg, _ = amass_setup
    assert PA.find_body_model_file(str(root / 'smplh'), 'smplh',
                                   'female').endswith(
                                       osp.join('female', 'model.npz'))
    with pytest.raises(FileNotFoundError, match="gender 'neutral'"):
        PA.find_body_model_file(str(root / 'smplh'), 'smplh', 'neutral')
    with pytest.raises(FileNotFoundError, match='J_regressor_h36m'):
        PA.load_regressor(str(tmp_path / 'nope.npy'))
    np.save(tmp_path / 'bad.npy', np.zeros((24, 6)))
    with pytest.raises(ValueError, match=r'\(17, V\)'):
        PA.load_regressor(str(tmp_path / 'bad.npy'))
    np.save(tmp_path / 'reg7.npy', np.ones((17, 7)))
    with pytest.raises(SystemExit, match='6 vertices'):
        PA.main(['--amass-dir', str(root / 'raw'), '--body-model',
                 str(root / 'smplh'), '--regressor', str(tmp_path /
                                                         'reg7.npy'),
                 '--out', str(tmp_path / 'o.npz'), '--backend', 'numpy',
                 '--model-type', 'smplh'])
    model = PA.NumpyBodyModel(str(root / 'smplh' / 'male' / 'model.npz'))
    with pytest.raises(ValueError, match=r'needs poses \(N, 9\)'):
        model(dict(poses=np.zeros((2, 6)), trans=np.zeros((2, 3)),
                   betas=np.zeros(2)))
    np.savez(tmp_path / 'seq.npz', poses=np.zeros((3, 9)),
             trans=np.zeros((3, 3)), betas=np.zeros(16))
    with pytest.raises(ValueError, match='frame rate'):
        PA.load_amass_sequence(str(tmp_path / 'seq.npz'))


@pytest.mark.skipif(HAS_SMPLX, reason='smplx is installed')
def test_smplx_backend_without_smplx(amass_setup, tmp_path):
    root = amass_setup[0]
    with pytest.raises(ImportError, match='pip install smplx'):
        PA.make_smplx_body_model(str(root / 'smplh'), 'smplh', 'male', 16)
    with pytest.raises(SystemExit, match='pip install smplx'):
        PA.main(['--amass-dir', str(root / 'raw'), '--body-model',
                 str(root / 'smplh'), '--regressor',
                 str(root / 'J_regressor_h36m.npy'), '--out',
                 str(tmp_path / 'o.npz'), '--backend', 'smplx'])
    assert PA._resolve_backend('auto') == 'numpy'


@pytest.mark.skipif(
    not (HAS_SMPLX and os.environ.get('MPM_SMPLH_MODEL')
         and os.environ.get('MPM_H36M_REGRESSOR')),
    reason='needs smplx and real model files: set MPM_SMPLH_MODEL (folder '
    'with {male,female,neutral}/model.npz) and MPM_H36M_REGRESSOR')
def test_smplx_backend_matches_numpy_backend():
    model_dir = os.environ['MPM_SMPLH_MODEL']
    reg = PA.load_regressor(os.environ['MPM_H36M_REGRESSOR'])
    rng = np.random.default_rng(0)
    params = dict(poses=rng.normal(0, 0.3, size=(4, 156)),
                  trans=rng.normal(size=(4, 3)), betas=rng.normal(size=16))
    fn = PA.make_smplx_body_model(model_dir, 'smplh', 'male', 16)
    npy = PA.NumpyBodyModel(PA.find_body_model_file(model_dir, 'smplh',
                                                    'male'))
    a = PA.regress_joints(params, fn, reg)
    b = PA.regress_joints(params, npy, reg)
    np.testing.assert_allclose(a, b, atol=1e-4)
