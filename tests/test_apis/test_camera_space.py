"""Camera-space poses: the root position solved from 2D rays and the
lifted skeleton recovers a known depth on synthetic projections."""
import math

import numpy as np
import pytest

from mpm.apis.camera_space import camera_space_poses, default_focal_length

W, H, F = 1280, 720, 1000.0


def project(points):
    """Pinhole projection (by hand), principal point at the image centre."""
    return np.stack([F * points[..., 0] / points[..., 2] + W / 2,
                     F * points[..., 1] / points[..., 2] + H / 2], -1)


def synthetic(T=6, seed=0):
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.3, (T, 17, 3))
    pose -= pose[:, :1]
    root = np.stack([rng.uniform(-1, 1, T), rng.uniform(-0.5, 0.5, T),
                     rng.uniform(3, 9, T)], -1)
    return pose, root


def test_recovers_known_depth():
    pose, root = synthetic()
    kp = project(pose + root[:, None])
    out = camera_space_poses(pose, kp, (W, H), focal_length=F)
    np.testing.assert_allclose(out[:, 0], root, atol=1e-4)
    np.testing.assert_allclose(out - out[:, :1], pose, atol=1e-5)


def test_weights_leave_out_a_wrong_joint_and_nan_frames_stay():
    pose, root = synthetic(T=4, seed=1)
    kp = project(pose + root[:, None])
    kp[:, 13] += 80.0   # a wrong wrist detection
    w = np.ones((4, 17))
    w[:, 13] = 0
    pose_nan = pose.copy()
    pose_nan[2] = np.nan
    good = camera_space_poses(pose_nan, kp, (W, H), F, weights=w)
    np.testing.assert_allclose(good[[0, 1, 3], 0], root[[0, 1, 3]],
                               atol=1e-4)
    assert np.isnan(good[2]).all()
    bad = camera_space_poses(pose, kp, (W, H), F)
    assert np.abs(bad[:, 0] - root).max() > 1e-3


def test_default_focal_length_from_field_of_view():
    assert default_focal_length((1920, 1080)) == pytest.approx(
        960 / math.tan(math.radians(30)))
    assert default_focal_length((1000, 500), 90) == pytest.approx(500)
    with pytest.raises(ValueError, match='field of view'):
        default_focal_length((100, 100), 180)
