"""Tests of mpm.evaluation.functional against independent float64 references.

References used here: hand-computed tiny cases, known similarity transforms
built from axis-angle by hand (Rodrigues), and Horn's quaternion solution of
absolute orientation (a different closed form than the SVD used by the
implementation).
"""
import numpy as np
import pytest
import torch

from mpm.evaluation.functional import auc, mpjpe, n_mpjpe, p_mpjpe, pck


def rodrigues(axis, angle):
    """Rotation matrix (column-vector convention) from axis-angle."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx


def horn_similarity_error(pred, gt):
    """Reference P-MPJPE of one frame (J, 3) via Horn's unit quaternion.

    Rotation from the top eigenvector of Horn's 4x4 matrix (always a proper
    rotation), then the optimal scale sum(y . R x) / sum(x . x) and the
    centroid translation.
    """
    x = pred - pred.mean(axis=0)
    y = gt - gt.mean(axis=0)
    s = x.T @ y  # s[a, b] = sum_j x_a y_b
    sxx, sxy, sxz = s[0]
    syx, syy, syz = s[1]
    szx, szy, szz = s[2]
    n = np.array([
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
    ])
    w, v = np.linalg.eigh(n)
    q0, qx, qy, qz = v[:, np.argmax(w)]
    rot = np.array([
        [
            q0**2 + qx**2 - qy**2 - qz**2, 2 * (qx * qy - q0 * qz),
            2 * (qx * qz + q0 * qy)
        ],
        [
            2 * (qy * qx + q0 * qz), q0**2 - qx**2 + qy**2 - qz**2,
            2 * (qy * qz - q0 * qx)
        ],
        [
            2 * (qz * qx - q0 * qy), 2 * (qz * qy + q0 * qx),
            q0**2 - qx**2 - qy**2 + qz**2
        ],
    ])
    rx = x @ rot.T
    scale = np.sum(y * rx) / np.sum(x * x)
    aligned = scale * rx + gt.mean(axis=0)
    return np.mean(np.sqrt(np.sum((aligned - gt)**2, axis=-1)))


def test_horn_reference_recovers_a_known_rotation():
    # Sanity of the test's own reference before it is used as one.
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(17, 3))
    rot = rodrigues([0.3, -1.0, 0.2], 2.1)
    assert horn_similarity_error(0.7 * gt @ rot.T + 3.0, gt) < 1e-9
    assert horn_similarity_error(gt + 0.1, gt) < 1e-9


def test_mpjpe_hand_computed():
    pred = np.zeros((2, 2, 3))
    gt = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]],
                   [[1.0, 2.0, 2.0], [0.0, 0.0, 1.0]]])
    out = mpjpe(pred, gt)
    assert out.shape == (2, )
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [2.5, 2.0], rtol=0, atol=1e-12)


def test_mpjpe_accepts_torch_and_returns_float64():
    pred = torch.zeros(1, 2, 3, dtype=torch.float32)
    gt = torch.tensor([[[0.0, 0.0, 2.0], [6.0, 0.0, 0.0]]])
    out = mpjpe(pred, gt)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out, [4.0])


def test_p_mpjpe_zero_for_similarity_transforms():
    rng = np.random.default_rng(0)
    n, j = 8, 17
    gt = rng.normal(scale=300.0, size=(n, j, 3))
    angles = [0.0, 0.4, 1.3, 2.0, 3.0, np.pi - 1e-6, np.pi, 5.5]
    pred = np.empty_like(gt)
    for i in range(n):
        rot = rodrigues(rng.normal(size=3), angles[i])
        scale = rng.uniform(0.2, 5.0)
        trans = rng.normal(scale=1000.0, size=3)
        pred[i] = scale * gt[i] @ rot.T + trans
    err = p_mpjpe(pred, gt)
    assert err.shape == (n, )
    assert np.all(err < 1e-7)
    assert np.all(mpjpe(pred, gt) > 1.0)  # the transforms were not trivial


def test_p_mpjpe_matches_horn_reference_on_noisy_poses():
    rng = np.random.default_rng(2)
    gt = rng.normal(scale=200.0, size=(6, 17, 3))
    pred = np.empty_like(gt)
    for i in range(6):
        rot = rodrigues(rng.normal(size=3), rng.uniform(0, np.pi))
        pred[i] = (1.3 * gt[i] @ rot.T + rng.normal(scale=50.0, size=3) +
                   rng.normal(scale=30.0, size=(17, 3)))
    expected = [horn_similarity_error(pred[i], gt[i]) for i in range(6)]
    np.testing.assert_allclose(p_mpjpe(pred, gt), expected, rtol=1e-9)


def test_p_mpjpe_does_not_allow_reflection():
    rng = np.random.default_rng(3)
    gt = rng.normal(scale=100.0, size=(4, 17, 3))
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    err = p_mpjpe(mirrored, gt)
    # With reflections allowed the error would be 0; a proper rotation
    # cannot undo a mirror image of a non-planar point cloud.
    assert np.all(err > 10.0)
    expected = [horn_similarity_error(mirrored[i], gt[i]) for i in range(4)]
    np.testing.assert_allclose(err, expected, rtol=1e-9)


def test_p_mpjpe_never_exceeds_mpjpe():
    rng = np.random.default_rng(4)
    gt = rng.normal(size=(50, 17, 3))
    pred = gt + rng.normal(scale=0.5, size=gt.shape)
    assert np.all(p_mpjpe(pred, gt) <= mpjpe(pred, gt) + 1e-12)


def test_p_mpjpe_degenerate_prediction_goes_to_gt_centroid():
    gt = np.array([[[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, 3.0, 0.0]]])
    pred = np.full((1, 3, 3), 7.0)  # all joints at one point
    centroid = np.array([1.0, 1.0, 0.0])
    expected = np.mean(np.linalg.norm(gt[0] - centroid, axis=-1))
    np.testing.assert_allclose(p_mpjpe(pred, gt), [expected])


def test_n_mpjpe_pure_scale_is_zero():
    rng = np.random.default_rng(5)
    gt = rng.normal(size=(3, 17, 3))
    pred = gt * np.array([0.5, 2.0, 10.0])[:, None, None]
    np.testing.assert_allclose(n_mpjpe(pred, gt), 0.0, atol=1e-12)


def test_n_mpjpe_hand_computed():
    gt = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                   [[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]]])
    pred = np.array([[[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                     [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    # Frame 0: s = <p, g> / <p, p> = 2 / 4 -> (1, 0, 0), (0, 0, 0);
    # errors 0 and 1 -> 0.5. Frame 1: all-zero prediction, s = 0 ->
    # errors 5 and 0 -> 2.5. No translation: a shift is not removed.
    np.testing.assert_allclose(n_mpjpe(pred, gt), [0.5, 2.5])
    shifted = gt + np.array([1.0, 0.0, 0.0])
    assert np.all(n_mpjpe(shifted, gt) > 0.1)


def _along_x(distances):
    """gt at the origin, pred at the given distances along x: (1, J, 3)."""
    pred = np.zeros((1, len(distances), 3))
    pred[0, :, 0] = distances
    return pred, np.zeros_like(pred)


def test_pck_strictly_below_threshold():
    pred, gt = _along_x([100.0, 149.999, 150.0, 151.0])
    assert pck(pred, gt) == pytest.approx(50.0)  # 150.0 itself not counted
    assert pck(pred, gt, threshold=151.0) == pytest.approx(75.0)
    assert pck(pred, gt, threshold=100.0) == pytest.approx(0.0)
    assert pck(pred, gt, joints=[0, 3]) == pytest.approx(50.0)
    assert pck(pred, gt, joints=[2]) == pytest.approx(0.0)
    assert pck(torch.from_numpy(pred), torch.from_numpy(gt)) == 50.0


def test_pck_counts_over_all_frames_and_joints():
    pred = np.zeros((2, 2, 3))
    pred[0, 0, 1] = 10.0  # correct
    pred[0, 1, 1] = 200.0  # wrong
    pred[1, :, 2] = 5.0  # both correct
    assert pck(pred, np.zeros_like(pred)) == pytest.approx(75.0)


def test_auc_is_mean_of_thresholded_counts():
    pred, gt = _along_x([0.0, 7.0, 150.0, 200.0])
    # Thresholds 0, 5, ..., 150 (31 values); error e counts when e < t.
    # e=0: 30 thresholds (all but 0); e=7: 29 (10..150); 150, 200: none.
    assert auc(pred, gt) == pytest.approx((30 + 29) / (31 * 4) * 100.0)
    assert auc(pred, gt, thresholds=[10, 100]) == pytest.approx(50.0)
    assert auc(pred, gt, thresholds=[0]) == pytest.approx(0.0)
    assert auc(pred, gt, thresholds=[300], joints=[3]) == pytest.approx(100.)


@pytest.mark.parametrize('fn', [mpjpe, p_mpjpe, n_mpjpe, pck, auc])
@pytest.mark.parametrize('shapes',
                         [((2, 17, 3), (2, 16, 3)), ((17, 3), (17, 3)),
                          ((2, 17, 2), (2, 17, 2)),
                          ((1, 2, 17, 3), (1, 2, 17, 3))])
def test_shape_errors_name_the_shapes(fn, shapes):
    pred, gt = np.zeros(shapes[0]), np.zeros(shapes[1])
    with pytest.raises(ValueError) as info:
        fn(pred, gt)
    assert str(shapes[0]) in str(info.value)
    assert str(shapes[1]) in str(info.value)


def test_bad_joints_and_thresholds():
    pred, gt = _along_x([1.0, 2.0])
    with pytest.raises(ValueError, match='out of range'):
        pck(pred, gt, joints=[5])
    with pytest.raises(ValueError, match='non-empty'):
        auc(pred, gt, thresholds=[])
