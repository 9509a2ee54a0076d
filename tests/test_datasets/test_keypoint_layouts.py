"""COCO-17 / Halpe-26 / Human3.6M-17 -> Human3.6M-17 keypoint converters,
checked against hand-written expected joints."""
import numpy as np
import pytest

from mpm.datasets.keypoint_layouts import (COCOToH36M, H36MIdentity,
                                           HalpeToH36M,
                                           build_keypoint_converter,
                                           convert_keypoints)
from mpm.registry import KEYPOINT_CONVERTERS

# One COCO-17 frame with easy numbers: [x, y, score].
COCO_FRAME = np.array([
    [50, 10, 0.9],    # 0 nose
    [46, 8, 0.8],     # 1 L eye
    [54, 8, 0.6],     # 2 R eye
    [42, 9, 0.5],     # 3 L ear
    [58, 9, 0.5],     # 4 R ear
    [40, 30, 0.7],    # 5 L shoulder
    [60, 30, 0.9],    # 6 R shoulder
    [36, 50, 0.8],    # 7 L elbow
    [64, 50, 0.8],    # 8 R elbow
    [34, 70, 0.4],    # 9 L wrist
    [66, 70, 0.3],    # 10 R wrist
    [44, 80, 0.6],    # 11 L hip
    [56, 80, 1.0],    # 12 R hip
    [44, 110, 0.9],   # 13 L knee
    [56, 110, 0.9],   # 14 R knee
    [44, 140, 0.2],   # 15 L ankle
    [56, 140, 0.1],   # 16 R ankle
], dtype=np.float64)

# Expected Human3.6M-17 joints, written out by hand from the formulas.
EXPECTED_XY = np.array([
    [50, 80],     # 0 pelvis = mid hips (44+56)/2, (80+80)/2
    [56, 80],     # 1 R hip
    [56, 110],    # 2 R knee
    [56, 140],    # 3 R ankle
    [44, 80],     # 4 L hip
    [44, 110],    # 5 L knee
    [44, 140],    # 6 L ankle
    [50, 55],     # 7 spine = (pelvis (50,80) + thorax (50,30)) / 2
    [50, 30],     # 8 thorax = mid shoulders
    [50, 10],     # 9 neck/nose = nose
    [50, 8],      # 10 head = mid eyes
    [40, 30],     # 11 L shoulder
    [36, 50],     # 12 L elbow
    [34, 70],     # 13 L wrist
    [60, 30],     # 14 R shoulder
    [64, 50],     # 15 R elbow
    [66, 70],     # 16 R wrist
], dtype=np.float64)
EXPECTED_MIN_SCORES = np.array([
    0.6, 1.0, 0.9, 0.1, 0.6, 0.9, 0.2,
    0.6,   # spine: min(0.7, 0.9, 0.6, 1.0)
    0.7,   # thorax: min(0.7, 0.9)
    0.9,   # nose
    0.6,   # head: min(0.8, 0.6)
    0.7, 0.8, 0.4, 0.9, 0.8, 0.3])


def test_coco_hand_computed():
    kp, scores = convert_keypoints(COCO_FRAME[None], 'coco')
    assert kp.shape == (1, 17, 2) and scores.shape == (1, 17)
    np.testing.assert_allclose(kp[0], EXPECTED_XY, atol=1e-12)
    np.testing.assert_allclose(scores[0], EXPECTED_MIN_SCORES, atol=1e-12)


def test_coco_mean_scores_for_derived_joints():
    _, scores = convert_keypoints(COCO_FRAME[None], 'coco',
                                  score_reduce='mean')
    expected = EXPECTED_MIN_SCORES.copy()
    expected[0] = (0.6 + 1.0) / 2
    expected[7] = (0.7 + 0.9 + 0.6 + 1.0) / 4
    expected[8] = (0.7 + 0.9) / 2
    expected[10] = (0.8 + 0.6) / 2
    np.testing.assert_allclose(scores[0], expected, atol=1e-12)


def test_halpe_uses_head_top_and_coco_torso():
    halpe = np.zeros((2, 26, 3))
    halpe[:, :17] = COCO_FRAME
    halpe[:, 17] = [51, -5, 0.77]   # head top
    halpe[:, 18] = [0, 0, 0.0]      # Halpe neck: not used
    halpe[:, 19] = [0, 0, 0.0]      # Halpe mid-hip: not used
    halpe[1, :, 0] += 100           # second frame shifted right
    kp, scores = convert_keypoints(halpe, 'halpe')
    expected = EXPECTED_XY.copy()
    expected[10] = [51, -5]
    np.testing.assert_allclose(kp[0], expected, atol=1e-12)
    np.testing.assert_allclose(kp[1], expected + [100, 0], atol=1e-12)
    assert scores[0, 10] == pytest.approx(0.77)
    assert scores[0, 0] == pytest.approx(0.6)  # mid-hips, not Halpe 19


def test_h36m_identity_and_missing_scores():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 500, (4, 17, 3))
    out, scores = convert_keypoints(kp, 'h36m')
    np.testing.assert_array_equal(out, kp[..., :2])
    np.testing.assert_array_equal(scores, kp[..., 2])
    out, scores = convert_keypoints(kp[..., :2], 'h36m')   # no scores
    np.testing.assert_array_equal(scores, np.ones((4, 17)))


def test_registry_names_and_configs():
    assert isinstance(KEYPOINT_CONVERTERS.build(dict(type='coco')),
                      COCOToH36M)
    assert isinstance(build_keypoint_converter('HalpeToH36M'), HalpeToH36M)
    conv = build_keypoint_converter(dict(type='h36m', score_reduce='mean'))
    assert isinstance(conv, H36MIdentity) and conv.score_reduce == 'mean'
    assert build_keypoint_converter(conv) is conv


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="'halpe'"):
        convert_keypoints(np.zeros((3, 26, 3)), 'coco')
    with pytest.raises(ValueError, match='frame axis'):
        convert_keypoints(np.zeros((17, 3)), 'coco')
    with pytest.raises(ValueError, match=r'\(T, K, 3\)'):
        convert_keypoints(np.zeros((3, 17, 4)), 'coco')
    with pytest.raises(KeyError, match='coco'):
        convert_keypoints(np.zeros((3, 17, 3)), 'cocoo')
    with pytest.raises(ValueError, match='score_reduce'):
        COCOToH36M(score_reduce='max')


def test_missing_keypoints_make_derived_joints_missing():
    """[0, 0, 0] and NaN keypoints are missing: the joints built from them
    are NaN with score 0 (never a mean with a fake corner point)."""
    from mpm.datasets.keypoint_layouts import convert_keypoints
    coco = np.random.default_rng(1).uniform(50, 400, (2, 17, 3))
    coco[0, 11] = 0.0               # left hip not detected
    coco[1, 0, 1] = np.nan          # nose y is null
    kp, scores = convert_keypoints(coco, 'coco')
    assert np.isnan(kp[0, [0, 4, 7]]).all()          # pelvis, L hip, spine
    np.testing.assert_array_equal(scores[0, [0, 4, 7]], 0)
    assert np.isfinite(kp[0, [1, 8, 9]]).all() and scores[0, 1] > 0
    assert np.isnan(kp[1, 9]).all() and scores[1, 9] == 0
    assert np.isfinite(np.delete(kp[1], 9, 0)).all()
