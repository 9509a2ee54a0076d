"""Pose refinement (Cai et al.): geometry, module, algorithm, metric, data.

References are hand-computed cases and float64 numpy (pinhole projection,
``np.linalg.lstsq``), never the code under test.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from mpm.datasets.camera import (h36m_cameras, normalize_screen,
                                 project_to_pixels)
from mpm.models.refine import (RefineModule, batch_camera_params,
                               estimate_root_depth, estimate_root_translation,
                               pixels_from_normalized, pixels_to_rays)
from mpm.utils.skeleton import H36M_32_TO_17, H36M_SKELETON

F64 = torch.float64


def t64(x):
    return torch.as_tensor(np.asarray(x), dtype=F64)


def h36m_pose(rng, scale=1.0):
    """A plausible (17, 3) root-relative pose in metres from the mean bone
    lengths, with random bone directions (y down, like camera frames)."""
    lengths = {1: .134, 2: .443, 3: .443, 4: .134, 5: .443, 6: .443,
               7: .236, 8: .254, 9: .117, 10: .115, 11: .151, 12: .277,
               13: .248, 14: .151, 15: .277, 16: .248}
    pose = np.zeros((17, 3))
    for j, parent in enumerate(H36M_SKELETON.parents):
        if parent < 0:
            continue
        d = rng.normal(size=3)
        pose[j] = pose[parent] + scale * lengths[j] * d / np.linalg.norm(d)
    return pose


def pinhole(points, f, c):
    """(..., 3) camera metres -> (..., 2) pixels, no distortion."""
    return points[..., :2] / points[..., 2:] * f + c


# ------------------------------------------------------------------ geometry
def test_pixels_from_normalized_inverts_dataset_normalisation():
    px = np.array([[[0.0, 0.0], [1000.0, 1002.0], [250.0, 300.0]]])
    coords = normalize_screen(px, 1000, 1002)
    back = pixels_from_normalized(t64(coords), t64([[1000, 1002]]))
    np.testing.assert_allclose(back.numpy(), px, atol=1e-9)


def test_pixels_to_rays_removes_h36m_distortion():
    cam = h36m_cameras()['S9'][1]
    rng = np.random.default_rng(0)
    pts = rng.uniform([-1.5, -1, 4], [1.5, 1, 6], size=(20, 3))
    px = project_to_pixels(pts, cam, distort=True)
    rays = pixels_to_rays(t64(px)[None], t64(cam.focal_length)[None],
                          t64(cam.center)[None], t64(cam.radial)[None],
                          t64(cam.tangential)[None])[0]
    np.testing.assert_allclose(rays.numpy(), pts[:, :2] / pts[:, 2:],
                               atol=1e-10)
    plain = pixels_to_rays(t64(px)[None], t64(cam.focal_length)[None],
                           t64(cam.center)[None])[0]
    assert np.abs(plain.numpy() - pts[:, :2] / pts[:, 2:]).max() > 1e-4


def test_root_depth_two_joint_hand_case():
    # root at (0, 0, 2), child 1 m to the right: rays (0, 0) and (0.5, 0).
    rays = t64([[[0.0, 0.0], [0.5, 0.0]]])
    pose = t64([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    T = estimate_root_translation(rays, pose)
    np.testing.assert_allclose(T.numpy(), [[0.0, 0.0, 2.0]], atol=1e-12)
    # bone ratio: f * 3D length / 2D length = 1000 * 1 / 500 px = 2 m.
    d = estimate_root_depth(rays, pose, 'bone_ratio', parents=[-1, 0])
    np.testing.assert_allclose(d.numpy(), [2.0], atol=1e-12)


@pytest.mark.parametrize('root', [(0.0, 0.0, 5.0), (0.7, -0.4, 4.5),
                                  (-1.2, 0.3, 6.3)])
def test_lstsq_root_recovers_known_depth_through_pinhole(root):
    """A known pose at a known position, projected through a pinhole camera,
    gives back that position (depth and x, y), whatever its depth extent."""
    rng = np.random.default_rng(1)
    pose = h36m_pose(rng)
    f, c = np.array([1145.0, 1144.0]), np.array([512.5, 515.4])
    px = pinhole(pose + np.array(root), f, c)
    rays = pixels_to_rays(t64(px)[None], t64(f)[None], t64(c)[None])
    T = estimate_root_translation(rays, t64(pose)[None])[0]
    np.testing.assert_allclose(T.numpy(), root, atol=1e-9)
    depth = estimate_root_depth(rays, t64(pose)[None], 'lstsq')
    np.testing.assert_allclose(depth.numpy(), [root[2]], atol=1e-9)


def test_lstsq_matches_numpy_least_squares_on_noisy_input():
    rng = np.random.default_rng(2)
    pose = h36m_pose(rng)
    rays = (pose[:, :2] + [0.2, 0.1]) / (pose[:, 2:] + 5.0)
    rays = rays + rng.normal(scale=2e-3, size=rays.shape)
    # independent reference: the 2J x 3 system solved by numpy.
    a, b = rays[:, 0], rays[:, 1]
    x, y, z = pose.T
    A = np.zeros((34, 3))
    A[:17, 0], A[:17, 2] = 1, -a
    A[17:, 1], A[17:, 2] = 1, -b
    rhs = np.concatenate([a * z - x, b * z - y])
    ref = np.linalg.lstsq(A, rhs, rcond=None)[0]
    T = estimate_root_translation(t64(rays)[None], t64(pose)[None])[0]
    np.testing.assert_allclose(T.numpy(), ref, atol=1e-10)


def test_bone_ratio_exact_when_fronto_parallel_and_close_otherwise():
    rng = np.random.default_rng(3)
    f, c = np.array([1000.0, 1000.0]), np.array([500.0, 500.0])
    flat = h36m_pose(rng)
    flat[:, 2] = 0
    rays = pixels_to_rays(t64(pinhole(flat + [0.3, 0.2, 4.8], f, c))[None],
                          t64(f)[None], t64(c)[None])
    d = estimate_root_depth(rays, t64(flat)[None], 'bone_ratio')
    np.testing.assert_allclose(d.numpy(), [4.8], atol=1e-9)
    pose = h36m_pose(rng)
    rays = pixels_to_rays(t64(pinhole(pose + [0.3, 0.2, 5.0], f, c))[None],
                          t64(f)[None], t64(c)[None])
    d = estimate_root_depth(rays, t64(pose)[None], 'bone_ratio')
    assert abs(float(d) - 5.0) < 0.25  # weak perspective: within 5%
    with pytest.raises(ValueError, match='Unknown root depth method'):
        estimate_root_depth(rays, t64(pose)[None], 'magic')


def test_estimated_depth_scales_with_pose_and_is_clamped():
    rng = np.random.default_rng(4)
    pose = h36m_pose(rng)
    rays = t64(pose[:, :2] / (pose[:, 2:] + 5.0))[None]
    d1 = estimate_root_depth(rays, t64(pose)[None])
    d2 = estimate_root_depth(rays, t64(1.1 * pose)[None])
    np.testing.assert_allclose(d1.numpy(), [5.0], atol=1e-9)
    np.testing.assert_allclose(d2.numpy(), [5.5], atol=1e-9)
    mirrored = estimate_root_depth(-rays, t64(pose * [1, 1, 0])[None],
                                   min_depth=0.25)
    np.testing.assert_allclose(mirrored.numpy(), [0.25])


# -------------------------------------------------------------------- module
def consistent_case(rng, batch=3):
    """GT poses, their rays and root depths (float64)."""
    poses = np.stack([h36m_pose(rng) for _ in range(batch)])
    roots = np.stack([[rng.uniform(-1, 1), rng.uniform(-.5, .5),
                       rng.uniform(4.5, 6)] for _ in range(batch)])
    points = poses + roots[:, None]
    rays = points[..., :2] / points[..., 2:]
    return poses, rays, roots


def test_refine_module_back_projection_and_fusion_formula():
    rng = np.random.default_rng(5)
    gt, rays, roots = consistent_case(rng)
    lifted = gt + rng.normal(scale=0.03, size=gt.shape)
    lifted -= lifted[:, :1]
    module = RefineModule(num_joints=17, hidden_dim=8).double()
    refined, w = module(t64(lifted), t64(rays), t64(roots[:, 2]),
                        return_weights=True)
    np.testing.assert_allclose(w.detach().numpy(), 0.5, atol=1e-12)
    # numpy reference: back-project at depth Z + z_lifted, root-relative.
    depth = roots[:, 2:3] + lifted[..., 2]
    back = np.concatenate([rays * depth[..., None], depth[..., None]], -1)
    back -= back[:, :1]
    ref = np.concatenate([(lifted[..., :2] + back[..., :2]) / 2,
                          lifted[..., 2:]], -1)
    np.testing.assert_allclose(refined.detach().numpy(), ref, atol=1e-12)
    # all weight on the back-projection with the true depths: GT comes back.
    exact = RefineModule(num_joints=17, init_lift_weight=1e-9).double()
    lifted_true_z = gt.copy()
    lifted_true_z[..., :2] += rng.normal(scale=0.05, size=gt[..., :2].shape)
    lifted_true_z -= lifted_true_z[:, :1]
    out = exact(t64(lifted_true_z), t64(rays), t64(roots[:, 2]))
    np.testing.assert_allclose(out.detach().numpy(), gt, atol=1e-6)


def test_refine_module_bad_shapes():
    module = RefineModule(num_joints=17)
    with pytest.raises(ValueError, match='expected pose'):
        module(torch.zeros(2, 16, 3), torch.zeros(2, 16, 2), torch.ones(2))
    with pytest.raises(ValueError, match='root_depth must be'):
        module(torch.zeros(2, 17, 3), torch.zeros(2, 17, 2), torch.ones(3))


def test_refine_module_learns_to_trust_exact_back_projection():
    torch.manual_seed(0)
    rng = np.random.default_rng(6)
    gt, rays, roots = consistent_case(rng, batch=64)
    noisy = gt.copy()
    noisy[..., :2] += rng.normal(scale=0.04, size=gt[..., :2].shape)
    noisy -= noisy[:, :1]
    module = RefineModule(num_joints=17, hidden_dim=32)
    args = [torch.as_tensor(v, dtype=torch.float32)
            for v in (noisy, rays, roots[:, 2])]
    target = torch.as_tensor(gt, dtype=torch.float32)
    opt = torch.optim.Adam(module.parameters(), lr=1e-2)

    def err():
        return torch.linalg.vector_norm(module(*args) - target, dim=-1).mean()

    start = float(err().detach())
    for _ in range(60):
        opt.zero_grad()
        loss = err()
        loss.backward()
        opt.step()
    assert float(err().detach()) < 0.3 * start


# ----------------------------------------------------------------- algorithm
TINY_LIFTER = dict(
    type='PoseLifter',
    encoder=dict(type='PoseEncoder', num_joints=17, in_channels=2,
                 embed_dim=16, dropout=0.0),
    trunk=dict(
        type='PoseTrunk',
        spatial=dict(type='SpatialMLP', in_dim=16, out_dim=8, num_blocks=1,
                     dropout=0.0),
        temporal=dict(type='TemporalTransformer', num_frames=3, embed_dim=8,
                      depth=1, num_heads=2, ffn_dim=16, dropout=0.0)),
    decoder=dict(type='StridedTransformerDecoder', num_frames=3,
                 strides=[3], embed_dim=8, ffn_dim=16, num_heads=2,
                 dropout=0.0,
                 head=dict(type='PoseRegressionHead', in_channels=8,
                           num_joints=17)),
    seq_head=dict(type='PoseRegressionHead', in_channels=8, num_joints=17),
    flip_test=True)


def build_refiner(**kwargs):
    from mmengine.registry import init_default_scope

    import mpm.models  # noqa: F401  (registers)
    from mpm.registry import MODELS
    init_default_scope('mpm')
    torch.manual_seed(0)
    return MODELS.build(dict(type='RefinedPoseLifter', lifter=TINY_LIFTER,
                             refine=dict(hidden_dim=16), **kwargs))


def h36m_batch(rng, batch=2, frames=3):
    """A batch as the data preprocessor gives it: S9 camera 1 and 2, 2D
    keypoints = distorted projections of the GT poses."""
    cams = h36m_cameras()['S9']
    kp2d, kp3d, roots, params = [], [], [], []
    for i in range(batch):
        cam = cams[1 + i % 2]
        pose = np.stack([h36m_pose(rng) for _ in range(frames)])
        root = np.stack([[0.2, 0.1, 5.0 + 0.3 * i]] * frames)
        px = project_to_pixels(pose + root[:, None], cam, distort=True)
        kp2d.append(normalize_screen(px, cam.res_w, cam.res_h))
        kp3d.append(pose)
        roots.append(root)
        params.append(cam)
    samples = dict(
        keypoints_3d=torch.tensor(np.stack(kp3d), dtype=torch.float32),
        target_index=torch.full((batch, ), frames // 2),
        root_3d=torch.tensor(np.stack(roots), dtype=torch.float32),
        meta=dict(subject=['S9'] * batch,
                  camera=torch.tensor([1 + i % 2 for i in range(batch)]),
                  action=['Walking'] * batch))
    return torch.tensor(np.stack(kp2d), dtype=torch.float32), samples, params


def test_refiner_gt_mode_uses_gt_root_depth_and_meta_cameras():
    rng = np.random.default_rng(7)
    inputs, samples, cams = h36m_batch(rng)
    model = build_refiner(root_depth='gt').eval()
    results = model(inputs, samples, mode='predict')
    assert [r['refine_root_depth'] for r in results] == ['gt', 'gt']
    np.testing.assert_allclose([r['root_depth'] for r in results],
                               [5.0, 5.3], atol=1e-6)
    np.testing.assert_allclose([r['root_depth_gt'] for r in results],
                               [5.0, 5.3], atol=1e-6)
    for r in results:
        assert r['pred_keypoints_3d'].shape == (17, 3)
        assert r['action'] == 'Walking'
        np.testing.assert_allclose(r['pred_keypoints_3d'][0], 0, atol=1e-7)
    # the rays of the centre frame are the undistorted GT directions
    rays = model.rays_of(inputs, samples, samples['target_index'])
    pose = samples['keypoints_3d'][:, 1].double().numpy() + \
        samples['root_3d'][:, 1, None].double().numpy()
    np.testing.assert_allclose(rays.numpy(), pose[..., :2] / pose[..., 2:],
                               atol=2e-5)
    # explicit camera_params give the same as the meta lookup
    explicit = dict(samples, camera_params=dict(
        focal_length=np.stack([c.focal_length for c in cams]),
        center=np.stack([c.center for c in cams]),
        res=np.array([[c.res_w, c.res_h] for c in cams]),
        radial=np.stack([c.radial for c in cams]),
        tangential=np.stack([c.tangential for c in cams])))
    for key, value in batch_camera_params(explicit, 2).items():
        np.testing.assert_allclose(
            value.numpy(), batch_camera_params(samples, 2)[key].numpy())
    without_root = {k: v for k, v in samples.items() if k != 'root_3d'}
    with pytest.raises(KeyError, match="root_depth='gt'.*root_3d"):
        model(inputs, without_root, mode='predict')


def test_refiner_estimated_mode_needs_no_ground_truth():
    rng = np.random.default_rng(8)
    inputs, samples, _ = h36m_batch(rng)
    model = build_refiner(root_depth='estimated').eval()
    honest = {k: samples[k] for k in ('target_index', 'meta')}
    refined, lifted, depth = model(inputs, honest, mode='tensor')
    # independent reference: numpy least squares of the lifted pose on rays
    rays = model.rays_of(inputs, honest, honest['target_index']).double()
    for i in range(2):
        a, b = rays[i, :, 0].numpy(), rays[i, :, 1].numpy()
        x, y, z = lifted[i].double().numpy().T
        A = np.zeros((34, 3))
        A[:17, 0], A[:17, 2], A[17:, 1], A[17:, 2] = 1, -a, 1, -b
        ref = np.linalg.lstsq(A, np.concatenate([a * z - x, b * z - y]),
                              rcond=None)[0]
        assert abs(float(depth[i]) - max(ref[2], 0.1)) < 1e-3
    results = model(inputs, honest, mode='predict')
    assert all(r['refine_root_depth'] == 'estimated' for r in results)
    assert 'root_depth_gt' not in results[0]
    assert 'gt_keypoints_3d' not in results[0]


@pytest.mark.parametrize('mode', ['gt', 'estimated'])
def test_refiner_loss_trains_refine_only_when_frozen(mode):
    rng = np.random.default_rng(9)
    inputs, samples, _ = h36m_batch(rng)
    model = build_refiner(root_depth=mode).train()
    assert not model.lifter.training
    before = {k: v.clone() for k, v in model.lifter.state_dict().items()}
    opt = torch.optim.Adam([p for p in model.parameters()
                            if p.requires_grad], lr=1e-2)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_refine'}
    losses['loss_refine'].backward()
    assert model.refine.out.weight.grad.abs().sum() > 0
    opt.step()
    for k, v in model.lifter.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_refiner_trainable_lifter_adds_its_losses():
    rng = np.random.default_rng(10)
    inputs, samples, _ = h36m_batch(rng)
    model = build_refiner(root_depth='gt', freeze_lifter=False).train()
    losses = model(inputs, samples, mode='loss')
    assert {'loss_refine', 'loss_final', 'loss_seq'} <= set(losses)
    sum(losses.values()).backward()
    assert model.lifter.encoder.parameters().__next__().grad is not None


def test_refiner_bad_mode_and_lifter_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="root_depth must be one of"):
        build_refiner(root_depth='oracle')
    source = build_refiner()
    path = osp.join(tmp_path, 'lifter.pth')
    torch.save(dict(state_dict=source.lifter.state_dict()), path)
    torch.manual_seed(123)
    target = build_refiner(lifter_checkpoint=path)
    target.init_weights()
    for k, v in source.lifter.state_dict().items():
        assert torch.equal(v, target.lifter.state_dict()[k]), k
    missing = build_refiner(lifter_checkpoint=osp.join(tmp_path, 'no.pth'))
    with pytest.raises(FileNotFoundError, match='lifter checkpoint'):
        missing.init_weights()


# -------------------------------------------------------------------- metric
def test_refine_metric_labels_keys_with_the_mode():
    from mpm.evaluation.metrics.refine_metric import RefineMetric
    gt = np.zeros((17, 3))
    refined, lifted = gt.copy(), gt.copy()
    refined[1] = [0.017, 0, 0]  # 17 mm on one joint -> 1 mm MPJPE
    lifted[2] = [0, 0.034, 0]   # 2 mm MPJPE
    metric = RefineMetric()
    metric.process(None, [dict(pred_keypoints_3d=refined,
                               lifted_keypoints_3d=lifted,
                               gt_keypoints_3d=gt, action='Walking',
                               refine_root_depth='gt', root_depth=5.0,
                               root_depth_gt=4.98)])
    out = metric.compute_metrics(metric.results)
    assert out['mpjpe_mm_refine_gt_root_depth'] == pytest.approx(1.0)
    assert out['mpjpe_mm_refine_gt_root_depth/Walking'] == pytest.approx(1.)
    assert out['mpjpe_mm_no_refine'] == pytest.approx(2.0)
    assert 'mpjpe_mm' not in out and out['num_frames'] == 1
    assert out['root_depth_abs_err_mm_refine_gt_root_depth'] == \
        pytest.approx(20.0)
    table = RefineMetric.format_table(out, method='demo')
    assert 'demo, refine (GT root depth)' in table
    assert 'demo, no refine' in table and 'estimated' not in table
    mixed = RefineMetric()
    for mode in ('gt', 'estimated'):
        mixed.process(None, [dict(pred_keypoints_3d=gt, gt_keypoints_3d=gt,
                                  refine_root_depth=mode)])
    with pytest.raises(ValueError, match='mix root-depth modes'):
        mixed.compute_metrics(mixed.results)
    with pytest.raises(KeyError, match='refine_root_depth'):
        RefineMetric().process(None, [dict(pred_keypoints_3d=gt,
                                           gt_keypoints_3d=gt)])


# ------------------------------------------------------------------- dataset
def test_dataset_with_root_gives_camera_frame_root(tmp_path):
    from mpm.datasets import Human36mDataset
    rng = np.random.default_rng(11)
    world = {'S9': {'Walking 1': rng.uniform([-1, -1, 0], [1, 1, 2],
                                             size=(7, 32, 3))}}
    pos2d = {'S9': {'Walking 1': [rng.uniform(0, 1000, size=(7, 17, 2))
                                  .astype(np.float32) for _ in range(4)]}}
    np.savez_compressed(tmp_path / 'data_3d_h36m.npz', positions_3d=world)
    np.savez_compressed(tmp_path / 'data_2d.npz', positions_2d=pos2d)
    ds = Human36mDataset(str(tmp_path), file_2d='data_2d.npz',
                         subjects=['S9'], seq_len=3, cameras=[2],
                         return_root=True)
    assert 'root_3d' not in Human36mDataset(
        str(tmp_path), file_2d='data_2d.npz', subjects=['S9'], seq_len=3)[0]
    item = ds[4]  # frames 3, 4, 5 of camera 2
    cam = h36m_cameras()['S9'][2]
    root_world = world['S9']['Walking 1'][3:6, H36M_32_TO_17[0]]
    # X_cam = R^T (X - t), written out
    ref = np.einsum('ji,nj->ni', cam.rotation, root_world - cam.translation)
    np.testing.assert_allclose(item['root_3d'], ref, atol=1e-5)
    np.testing.assert_allclose(item['keypoints_3d'][:, 0], 0)
    np.testing.assert_allclose(item['camera_params']['focal_length'],
                               cam.focal_length, rtol=1e-6)
    np.testing.assert_allclose(item['camera_params']['res'],
                               [cam.res_w, cam.res_h])


def test_configs_load():
    from mmengine.config import Config
    root = osp.join(osp.dirname(__file__), '..', '..', 'configs')
    for name, mode in [('demo/refine.py', 'gt'),
                       ('demo/refine_estimated_root.py', 'estimated'),
                       ('mpm/refine_h36m_cpn_243f.py', 'gt'),
                       ('mpm/refine_h36m_cpn_243f_estimated_root.py',
                        'estimated')]:
        cfg = Config.fromfile(osp.join(root, name))
        assert cfg.model.type == 'RefinedPoseLifter'
        assert cfg.model.root_depth == mode
        assert cfg.model.lifter.type == 'PoseLifter'
        assert cfg.test_evaluator.type == 'RefineMetric'
