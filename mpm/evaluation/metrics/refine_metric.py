"""Human3.6M errors of a refined lifter, labelled with its root-depth mode.

The refinement of Cai et al. is evaluated by the reference implementations
with the *ground-truth* root depth, which is not available in the wild. This
metric reads the mode every prediction carries (``refine_root_depth``, set
by ``RefinedPoseLifter``) and puts it into every key, so a number obtained
with the ground-truth root can never be mistaken for an honest one. It also
scores the lifter's own pose of the same samples (``lifted_keypoints_3d``),
giving "none vs refine" from one run.
"""
from typing import Any, Dict, List, Optional, Sequence

from mpm.registry import METRICS
from .mpjpe_metric import _ERROR_NAMES, Human36mMetric, _get

__all__ = ['RefineMetric', 'REFINE_SUFFIXES']

#: Key suffix and table label of each root-depth mode; ``none`` = the
#: lifter's pose before refinement.
REFINE_SUFFIXES = {
    'gt': ('refine_gt_root_depth', 'refine (GT root depth)'),
    'estimated': ('refine_estimated_root_depth',
                  'refine (estimated root depth)'),
    'none': ('no_refine', 'no refine'),
}


def _suffixed(metrics: Dict[str, Any], suffix: str) -> Dict[str, Any]:
    """``mpjpe_mm`` -> ``mpjpe_mm_<suffix>``, ``mpjpe_mm/Walking`` ->
    ``mpjpe_mm_<suffix>/Walking``, ``mpjpe_mm_frame_weighted`` ->
    ``mpjpe_mm_<suffix>_frame_weighted`` (the layout ``action_table``
    reads); other keys unchanged."""
    out = {}
    for key, value in metrics.items():
        head, sep, tail = key.partition('/')
        for name in _ERROR_NAMES:
            if head == name:
                head = f'{name}_{suffix}'
                break
            if head == f'{name}_frame_weighted':
                head = f'{name}_{suffix}_frame_weighted'
                break
        out[head + sep + tail] = value
    return out


@METRICS.register_module()
class RefineMetric(Human36mMetric):
    """MPJPE / P-MPJPE / N-MPJPE (mm) of the refined and the lifted poses.

    Each data sample must hold ``pred_keypoints_3d`` (the refined pose),
    ``gt_keypoints_3d`` and ``refine_root_depth`` (``'gt'`` or
    ``'estimated'``); with ``lifted_keypoints_3d`` the unrefined pose is
    scored too. All (J, 3) metres (see :class:`Human36mMetric`).

    Keys: those of :class:`Human36mMetric` with the error name suffixed by
    the mode, e.g. ``mpjpe_mm_refine_gt_root_depth``,
    ``mpjpe_mm_refine_gt_root_depth/Walking``,
    ``mpjpe_mm_refine_estimated_root_depth`` and, for the lifted poses,
    ``mpjpe_mm_no_refine``; plus ``num_frames``. All samples of a run must
    share one mode.

    When the predictions carry both ``root_depth`` (used) and
    ``root_depth_gt`` (metres), ``root_depth_abs_err_mm_<suffix>`` is the
    mean absolute error of the root depth used (0 with the GT root depth;
    the estimator's error in the honest mode), frame-weighted.

    Args:
        root_index, mean_pose, collect_device, prefix: as
            :class:`Human36mMetric`.
    """

    def __init__(self, root_index: Optional[int] = None, mean_pose: Any = None,
                 collect_device: str = 'cpu', prefix=None) -> None:
        super().__init__(root_index=root_index, mean_pose=mean_pose,
                         collect_device=collect_device, prefix=prefix)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store ``(action, refined errors, lifted errors or None, mode,
        root depth error in mm or None)`` per sample (one entry per sample,
        for distributed collection)."""
        modes = []
        for i, sample in enumerate(data_samples):
            mode = _get(sample, 'refine_root_depth')
            if mode not in ('gt', 'estimated'):
                raise KeyError(
                    f'{type(self).__name__}: data sample {i} has '
                    f'refine_root_depth={mode!r}; expected \'gt\' or '
                    "'estimated' (predictions of RefinedPoseLifter). Use "
                    'Human36mMetric for plain lifters.')
            modes.append(mode)
        start = len(self.results)
        super().process(data_batch, data_samples)
        refined = self.results[start:]
        del self.results[start:]
        lifted = [None] * len(refined)
        if all(_get(s, 'lifted_keypoints_3d') is not None
               for s in data_samples):
            swapped = [
                dict(pred_keypoints_3d=_get(s, 'lifted_keypoints_3d'),
                     gt_keypoints_3d=_get(s, 'gt_keypoints_3d'),
                     action=_get(s, 'action')) for s in data_samples
            ]
            super().process(data_batch, swapped)
            lifted = [errors for _, errors in self.results[start:]]
            del self.results[start:]
        depth_errors = []
        for s in data_samples:
            used, gt = _get(s, 'root_depth'), _get(s, 'root_depth_gt')
            depth_errors.append(None if used is None or gt is None else
                                abs(float(used) - float(gt)) * 1000.0)
        for (action, errors), lift, mode, depth in zip(
                refined, lifted, modes, depth_errors):
            self.results.append((action, errors, lift, mode, depth))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """Per-mode keys (see the class docstring)."""
        if not results:
            return super().compute_metrics([])
        modes = sorted({r[3] for r in results})
        if len(modes) > 1:
            raise ValueError(f'{type(self).__name__}: the predictions mix '
                             f'root-depth modes {modes}; evaluate one mode '
                             'per run.')
        suffix = REFINE_SUFFIXES[modes[0]][0]
        metrics = _suffixed(
            super().compute_metrics([(r[0], r[1]) for r in results]), suffix)
        if all(r[2] is not None for r in results):
            lifted = super().compute_metrics([(r[0], r[2]) for r in results])
            lifted.pop('num_frames')
            metrics.update(_suffixed(lifted, REFINE_SUFFIXES['none'][0]))
        if all(r[4] is not None for r in results):
            metrics[f'root_depth_abs_err_mm_{suffix}'] = float(
                sum(r[4] for r in results) / len(results))
        return metrics

    @staticmethod
    def format_table(metrics: dict, method: str = 'mpm') -> str:
        """Table-1-style markdown, one row per mode present (``no refine``,
        ``refine (GT root depth)``, ``refine (estimated root depth)``)."""
        from ..tables import DEFAULT_PROTOCOLS, action_table
        blocks = []
        for key, title in DEFAULT_PROTOCOLS:
            rows = {}
            for suffix, label in REFINE_SUFFIXES.values():
                name = f'{key}_{suffix}'
                if name in metrics:
                    rows[f'{method}, {label}'] = {
                        k.replace(name, key, 1): v
                        for k, v in metrics.items() if k.startswith(name)
                    }
            if rows:
                blocks.append(action_table(rows, protocols=[(key, title)]))
        for suffix, label in REFINE_SUFFIXES.values():
            err = metrics.get(f'root_depth_abs_err_mm_{suffix}')
            if err is not None:
                blocks.append(f'Root depth used by {method}, {label}: mean '
                              f'|error| vs ground truth {err:.1f} mm.\n')
        return '\n'.join(blocks)
