"""PoseDataPreprocessor's ``keep_joints``: MPM's 16-joint mode and subsets.

References are written independently in numpy from the Human3.6M-17 facts
(left joints 4, 5, 6, 11, 12, 13 <-> right joints 1, 2, 3, 14, 15, 16;
joint 9 = neck/nose; root 0).
"""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mpm.evaluation.metrics.mpjpe_metric import Human36mMetric
from mpm.models.data_preprocessors.pose_data_preprocessor import (
    H36M_16_JOINTS, PoseDataPreprocessor, subset_flip_indices)
from mpm.registry import MODELS

LEFT = [4, 5, 6, 11, 12, 13]
RIGHT = [1, 2, 3, 14, 15, 16]
KEEP16 = [j for j in range(17) if j != 9]


def np_flip_full(x):
    """Mirror (..., 17, C) poses: swap left/right by name, negate x."""
    out = x.copy()
    out[..., LEFT, :] = x[..., RIGHT, :]
    out[..., RIGHT, :] = x[..., LEFT, :]
    out[..., 0] *= -1
    return out


def batch(B=3, T=5, J=17, seed=0, with_2d=True, with_3d=True):
    rng = np.random.default_rng(seed)
    data = dict(target_index=torch.full((B, ), T // 2),
                meta=dict(subject=['S1'] * B))
    if with_2d:
        data['keypoints_2d'] = torch.from_numpy(
            rng.normal(size=(B, T, J, 2)).astype(np.float32))
    if with_3d:
        data['keypoints_3d'] = torch.from_numpy(
            rng.normal(size=(B, T, J, 3)).astype(np.float32))
    return data


def test_h36m_16_joints_drop_joint_9_and_keep_root_first():
    assert list(H36M_16_JOINTS) == KEEP16
    assert H36M_16_JOINTS[0] == 0  # the root stays joint 0


def test_flip_permutation_of_the_16_joint_subset_by_hand():
    # Joints 10..16 move to 9..15: L shoulder/elbow/wrist 10, 11, 12;
    # R shoulder/elbow/wrist 13, 14, 15.
    full = np.arange(17)
    full[LEFT], full[RIGHT] = RIGHT, LEFT
    assert subset_flip_indices(full, KEEP16) == [
        0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15, 10, 11, 12
    ]
    # Order of keep_joints defines the output order.
    assert subset_flip_indices(full, [4, 1, 0]) == [1, 0, 2]


def test_selection_without_augmentation_matches_numpy():
    init_default_scope('mpm')
    pre = MODELS.build(
        dict(type='PoseDataPreprocessor', keep_joints=KEEP16))
    data = batch()
    ref2d = data['keypoints_2d'].numpy()[:, :, KEEP16]
    ref3d = data['keypoints_3d'].numpy()[:, :, KEEP16]
    out = pre(data, training=False)
    assert out['inputs'].shape == (3, 5, 16, 2)
    assert out['data_samples']['keypoints_3d'].shape == (3, 5, 16, 3)
    np.testing.assert_array_equal(out['inputs'].numpy(), ref2d)
    np.testing.assert_array_equal(
        out['data_samples']['keypoints_3d'].numpy(), ref3d)
    # Untouched extras pass through.
    assert out['data_samples']['meta'] == dict(subject=['S1'] * 3)
    assert torch.equal(out['data_samples']['target_index'],
                       torch.full((3, ), 2))


def test_flip_after_selection_equals_selection_after_full_flip():
    pre = PoseDataPreprocessor(flip_prob=1.0, keep_joints=KEEP16)
    data = batch(seed=1)
    ref2d = np_flip_full(data['keypoints_2d'].numpy())[:, :, KEEP16]
    ref3d = np_flip_full(data['keypoints_3d'].numpy())[:, :, KEEP16]
    out = pre(data, training=True)
    np.testing.assert_array_equal(out['inputs'].numpy(), ref2d)
    np.testing.assert_array_equal(
        out['data_samples']['keypoints_3d'].numpy(), ref3d)


def test_per_sample_flip_is_shared_by_2d_and_3d():
    torch.manual_seed(0)
    pre = PoseDataPreprocessor(flip_prob=0.5, keep_joints=KEEP16)
    data = batch(B=32, seed=2)
    raw2d = data['keypoints_2d'].numpy()
    raw3d = data['keypoints_3d'].numpy()
    out = pre(data, training=True)
    got2d = out['inputs'].numpy()
    got3d = out['data_samples']['keypoints_3d'].numpy()
    flipped = []
    for b in range(32):
        f2 = np.array_equal(got2d[b], np_flip_full(raw2d[b])[:, KEEP16])
        p2 = np.array_equal(got2d[b], raw2d[b][:, KEEP16])
        f3 = np.array_equal(got3d[b], np_flip_full(raw3d[b])[:, KEEP16])
        p3 = np.array_equal(got3d[b], raw3d[b][:, KEEP16])
        assert (f2 and f3) or (p2 and p3), f'sample {b} flipped 2D != 3D'
        flipped.append(f2)
    assert 0 < sum(flipped) < 32


def test_3d_only_batch_gives_none_inputs_and_selected_3d():
    pre = PoseDataPreprocessor(flip_prob=1.0, keep_joints=KEEP16)
    data = batch(with_2d=False, seed=3)
    ref3d = np_flip_full(data['keypoints_3d'].numpy())[:, :, KEEP16]
    out = pre(data, training=True)
    assert out['inputs'] is None
    np.testing.assert_array_equal(
        out['data_samples']['keypoints_3d'].numpy(), ref3d)


def test_2d_only_batch():
    pre = PoseDataPreprocessor(keep_joints=[0, 1, 4])
    data = batch(with_3d=False, seed=4)
    out = pre(data)
    np.testing.assert_array_equal(out['inputs'].numpy(),
                                  data['keypoints_2d'].numpy()[:, :, [0, 1,
                                                                      4]])
    assert 'keypoints_3d' not in out['data_samples']


def test_default_keeps_every_joint_and_17_joint_flip():
    pre = PoseDataPreprocessor(flip_prob=1.0)
    assert pre.keep_joints is None
    data = batch(seed=5)
    ref = np_flip_full(data['keypoints_2d'].numpy())
    out = pre(data, training=True)
    np.testing.assert_array_equal(out['inputs'].numpy(), ref)


@pytest.mark.parametrize('keep,match', [
    ([0, 1, 2, 3], 'not closed under flipping: joint 1 is kept but its '
     'mirror joint 4'),
    ([0, 0, 1, 4], 'twice'),
    ([], 'non-empty'),
    ([0, -1], '>= 0'),
    ([0, 1.5], '>= 0'),
    ([0, 'a'], '>= 0'),
    ([0, 17], 'covers only 17 joints'),
])
def test_bad_subsets_fail_clearly(keep, match):
    with pytest.raises(ValueError, match=match):
        PoseDataPreprocessor(keep_joints=keep)


def test_wrong_input_layout_fails_clearly():
    pre = PoseDataPreprocessor(keep_joints=KEEP16)
    with pytest.raises(ValueError, match=r'keypoints_2d has shape '
                       r'\(3, 5, 16, 2\).*layout of 17 joints'):
        pre(batch(J=16))


def test_metric_on_16_joint_poses_uses_root_0():
    """After selection joint 0 is still the pelvis: the metric subtracts it
    and averages over the 16 joints (the root's error is 0)."""
    rng = np.random.default_rng(6)
    gt = rng.normal(size=(4, 16, 3))
    pred = gt + rng.normal(scale=0.01, size=gt.shape)
    metric = Human36mMetric()
    metric.process(None, [
        dict(pred_keypoints_3d=torch.from_numpy(p),
             gt_keypoints_3d=torch.from_numpy(g)) for p, g in zip(pred, gt)
    ])
    result = metric.compute_metrics(metric.results)
    rel_p = pred - pred[:, :1]
    rel_g = gt - gt[:, :1]
    ref = np.linalg.norm(rel_p - rel_g, axis=-1).mean() * 1000
    assert result['mpjpe_mm'] == pytest.approx(ref, rel=1e-9)
