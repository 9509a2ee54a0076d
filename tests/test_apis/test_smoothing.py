"""Temporal smoothing and the acceleration error."""
import numpy as np
import pytest

from mpm.apis.smoothing import smooth_poses
from mpm.evaluation.functional import acceleration_error, mpjpe


def test_acceleration_error_by_hand():
    gt = np.zeros((4, 1, 3))
    pred = np.zeros((4, 1, 3))
    pred[1, 0] = [0, 3, 4]   # accel at t=1: -2 * (0,3,4) -> 10; t=2: 5
    np.testing.assert_allclose(acceleration_error(pred, gt), [10, 5])
    with pytest.raises(ValueError, match='3 frames'):
        acceleration_error(pred[:2], gt[:2])


def test_smoothing_trades_jitter_for_lag():
    rng = np.random.default_rng(0)
    t = np.arange(200)[:, None, None]
    gt = np.concatenate([np.sin(t / 15.0), np.cos(t / 11.0),
                         0 * t], -1).repeat(4, 1)
    noisy = gt + rng.normal(0, 0.02, gt.shape)
    light, strong = smooth_poses(noisy, 1.5), smooth_poses(noisy, 20)
    acc = [acceleration_error(x, gt).mean() for x in (noisy, light, strong)]
    err = [mpjpe(x, gt).mean() for x in (noisy, light, strong)]
    assert acc[1] < acc[0] / 3 and err[1] < err[0]
    assert err[2] > err[1]            # too strong: lags behind the motion
    np.testing.assert_array_equal(smooth_poses(noisy, 0), noisy)


def test_nan_frames_are_skipped_and_kept():
    x = np.arange(40, dtype=float)[:, None, None].repeat(2, 1)
    x[4] = np.nan
    y = smooth_poses(x, 2.0)
    assert np.isnan(y[4]).all() and np.isfinite(np.delete(y, 4, 0)).all()
    # A linear ramp stays a ramp where the whole (symmetric) kernel sees
    # valid frames.
    np.testing.assert_allclose(y[12:33, 0, 0], np.arange(12, 33), atol=1e-9)
    with pytest.raises(ValueError, match='>= 0'):
        smooth_poses(x, -1)
