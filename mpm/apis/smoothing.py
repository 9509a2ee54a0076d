"""Temporal smoothing of lifted poses with one strength knob."""
import numpy as np

__all__ = ['smooth_poses']


def smooth_poses(poses, strength: float) -> np.ndarray:
    """Gaussian smoothing in time, ignoring missing (NaN) frames.

    Every value becomes the Gaussian-weighted mean (standard deviation
    ``strength`` frames, kernel cut at 3 standard deviations) of the finite
    values around it in time: a normalised convolution, so frames next to a
    gap or a sequence end use the frames they have (no padding). NaN frames
    stay NaN. ``strength = 0`` returns the input unchanged.

    The trade-off (less jitter, i.e. a smaller acceleration error, against
    a larger MPJPE on fast motion) is measured by
    ``tools/analysis_tools/smoothing_tradeoff.py``.

    Args:
        poses: (T, ...) array, e.g. (T, J, 3) metres; units are kept.
        strength: standard deviation of the kernel in frames (>= 0).

    Returns:
        (T, ...) float64 array.
    """
    x = np.array(poses, dtype=np.float64)
    if not np.isfinite(strength) or strength < 0:
        raise ValueError(f'the smoothing strength is a standard deviation in '
                         f'frames (>= 0), got {strength}.')
    if strength == 0 or x.shape[0] < 2:
        return x
    radius = max(1, int(np.ceil(3 * strength)))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / strength) ** 2)
    T = x.shape[0]
    flat = x.reshape(T, -1)
    valid = np.isfinite(flat).all(axis=1)
    values = np.where(valid[:, None], flat, 0.0)
    num = np.zeros_like(values)
    den = np.zeros(T)
    for k, off in zip(kernel, offsets):
        lo, hi = max(0, -off), min(T, T - off)   # t with t + off in range
        num[lo:hi] += k * values[lo + off:hi + off]
        den[lo:hi] += k * valid[lo + off:hi + off]
    out = num / np.maximum(den, 1e-12)[:, None]
    out[~valid] = np.nan
    return out.reshape(x.shape)
