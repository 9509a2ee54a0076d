"""Fill gaps (NaN) in time series of joints by linear interpolation."""
import numpy as np

__all__ = ['fill_gaps']


def fill_gaps(series) -> np.ndarray:
    """Fill the NaN entries of every time series by linear interpolation.

    Each column ``series[:, i, ...]`` is one series over time (axis 0). A
    NaN (or infinite value) between two finite values gets the linear
    interpolation of the nearest finite values before and after it; NaNs before the first / after
    the last finite value repeat that value (as the datasets pad window
    edges). A series with no finite value stays NaN.

    Args:
        series: (T, ...) array, e.g. (T, J, 2) keypoints in pixels or
            (T, J, 3) poses in metres; units are kept.

    Returns:
        (T, ...) float64 array with the gaps filled.
    """
    x = np.array(series, dtype=np.float64)
    if x.ndim < 1 or x.shape[0] == 0:
        raise ValueError(f'fill_gaps needs a (T, ...) array with T >= 1, got '
                         f'shape {x.shape}.')
    flat = x.reshape(x.shape[0], -1)
    t = np.arange(flat.shape[0], dtype=np.float64)
    for i in np.flatnonzero(~np.isfinite(flat).all(axis=0)):
        col = flat[:, i]
        ok = np.isfinite(col)
        if ok.any():
            col[~ok] = np.interp(t[~ok], t[ok], col[ok])
    return flat.reshape(x.shape)
