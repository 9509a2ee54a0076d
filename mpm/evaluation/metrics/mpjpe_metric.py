"""Human3.6M-style 3D pose metric: MPJPE, P-MPJPE and N-MPJPE per action."""
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric

from mpm.registry import METRICS
from mpm.utils.action_labels import ordered_actions
from ..functional import mpjpe, n_mpjpe, p_mpjpe, to_numpy_f64
from ..tables import action_table
from .skeleton_from_data import SkeletonFromDataMixin

#: Action name used when data samples carry no ``action``.
DEFAULT_ACTION = 'all'

#: Column order of the per-frame error arrays stored in ``results``.
_ERROR_NAMES = ('mpjpe_mm', 'p_mpjpe_mm', 'n_mpjpe_mm')
_BASELINE_KEY = 'baseline_mean_pose_mpjpe_mm'


def _get(sample: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` from a dict-like data sample (dict or BaseDataElement)."""
    if hasattr(sample, 'get'):
        return sample.get(key, default)
    return getattr(sample, key, default)


def read_pose_pair(sample: Any, index: int, owner: str,
                   context: Sequence[str] = ('action', 'subject', 'frame')
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """The prediction and ground truth of one data sample, checked.

    Args:
        sample: a data sample with ``pred_keypoints_3d`` and
            ``gt_keypoints_3d``, (J, 3) or (F, J, 3) metres.
        index: its position in the batch (for messages).
        owner: the metric's name (for messages).
        context: sample keys named in the shape error (e.g. action, frame).

    Returns:
        ``(pred, gt)``, float64 (F, J, 3) metres (F = 1 for a single pose).

    Raises:
        KeyError: a pose is missing. ValueError: the shapes are not (J, 3) /
            (F, J, 3) or differ.
    """
    poses = []
    for key in ('pred_keypoints_3d', 'gt_keypoints_3d'):
        value = _get(sample, key)
        if value is None:
            keys = (sorted(sample.keys())
                    if hasattr(sample, 'keys') else type(sample))
            raise KeyError(
                f'{owner}: data sample {index} of the batch '
                f"has no '{key}' (it has {keys}). The model's predict "
                "mode must return dicts with 'pred_keypoints_3d' and "
                "'gt_keypoints_3d' (J, 3) in metres.")
        poses.append(to_numpy_f64(value, key))
    pred, gt = poses
    if pred.ndim == 2:
        pred, gt = pred[None], gt[None]
    if pred.ndim != 3 or pred.shape[-1] != 3 or pred.shape != gt.shape:
        where = ', '.join(f'{k} {_get(sample, k)!r}' for k in context)
        raise ValueError(
            f'{owner}: data sample {index} ({where}): pred_keypoints_3d '
            f'{tuple(poses[0].shape)} and gt_keypoints_3d '
            f'{tuple(poses[1].shape)} must both be (J, 3) or (F, J, 3) '
            'and match.')
    return pred, gt


def root_relative_mm(pose: np.ndarray, root_index: int) -> np.ndarray:
    """(..., J, 3) metres -> the same made root-relative, in millimetres."""
    return (pose - np.take(pose, [root_index], axis=-2)) * 1000.0


def mean_pose_mm(pose: Any, root_index: int) -> np.ndarray:
    """A (J, 3) mean pose in metres -> root-relative millimetres (float64).

    Raises:
        ValueError: not (J, 3), or ``root_index`` is not one of its joints.
    """
    pose = to_numpy_f64(pose, 'mean_pose')
    if pose.ndim != 2 or pose.shape[-1] != 3 or not (
            -pose.shape[0] <= root_index < pose.shape[0]):
        raise ValueError(
            f'mean_pose must have shape (J, 3) in metres with the root joint '
            f'{root_index} among its J joints; got {tuple(pose.shape)}')
    return root_relative_mm(pose, root_index)



def mean_pose_baseline(mean_pose: np.ndarray, gt: np.ndarray,
                       owner: str) -> np.ndarray:
    """The mean-pose baseline prediction for ``gt`` (N, J, 3): ``mean_pose``
    (J, 3), broadcast to ``gt``'s shape (a read-only view).

    Raises:
        ValueError: the mean pose's joints differ from ``gt``'s; the message
            starts with ``owner`` (the metric's class name).
    """
    if mean_pose.shape != gt.shape[1:]:
        raise ValueError(
            f'{owner}: mean_pose has shape {mean_pose.shape} but the poses '
            f'are {gt.shape[1:]}; set a mean pose with the same joints.')
    return np.broadcast_to(mean_pose, gt.shape)


@METRICS.register_module()
class Human36mMetric(SkeletonFromDataMixin, BaseMetric):
    """MPJPE, P-MPJPE and N-MPJPE in millimetres, per action and averaged.

    Protocol (Human3.6M, as in the MPM and P-STMO papers): both poses are made
    root-relative by subtracting joint ``root_index``, converted from metres to
    millimetres, and compared per frame:

    - ``mpjpe`` (Protocol #1): mean Euclidean joint error;
    - ``p_mpjpe`` (Protocol #2): after per-frame similarity Procrustes
      alignment (scale, proper rotation, translation);
    - ``n_mpjpe``: after per-frame optimal scaling only.

    Per action the errors are averaged over frames; the headline numbers
    (``mpjpe_mm``, ``p_mpjpe_mm``, ``n_mpjpe_mm``) are the *unweighted* mean of
    the per-action means, as the papers' tables report. The frame-weighted
    means are reported too (``*_frame_weighted``); for datasets whose
    protocol is frame-weighted (MPI-INF-3DHP) read those.

    Works for any dataset: actions are whatever strings the samples carry
    (one group ``'all'`` when they carry none).

    ``process`` expects each data sample (a dict or a ``BaseDataElement``)
    to hold:

    - ``pred_keypoints_3d``: (J, 3) or (F, J, 3) predicted pose(s), metres,
      numpy or torch (any device). With F frames, each frame counts once.
    - ``gt_keypoints_3d``: same shape, metres.
    - ``action`` (optional): action category, e.g. ``'Walking'``.
    - ``subject``, ``camera``, ``frame`` (optional): ignored by the numbers.

    One compact entry per data sample is stored in ``self.results``:
    ``(action, errors)`` with ``errors`` a float64 array (F, 3) of MPJPE,
    P-MPJPE and N-MPJPE in mm, or (F, 4) with the mean-pose baseline MPJPE
    appended. One entry per sample keeps MMEngine's distributed collection
    (which drops padded duplicates by sample count) correct.

    Output keys (flat dict, no prefix unless ``prefix`` is given):
    ``mpjpe_mm``, ``p_mpjpe_mm``, ``n_mpjpe_mm`` (headline, action-weighted),
    ``mpjpe_mm_frame_weighted``, ``p_mpjpe_mm_frame_weighted``,
    ``n_mpjpe_mm_frame_weighted``, ``mpjpe_mm/<Action>``,
    ``p_mpjpe_mm/<Action>``, ``n_mpjpe_mm/<Action>``, ``num_frames`` and,
    when a mean pose is set, ``baseline_mean_pose_mpjpe_mm`` (headline MPJPE
    of always predicting the mean pose, action-weighted as the headline).

    Args:
        root_index: index of the root joint subtracted from both poses;
            None: the dataset's root (``dataset_meta``), joint 0 until set.
        mean_pose: optional (J, 3) pose in metres (e.g. the training-set mean
            root-relative pose) for the constant-prediction baseline.
        collect_device: 'cpu' or 'gpu', for collecting results across ranks.
        prefix: optional prefix for the keys (``'<prefix>/mpjpe_mm'``).
    """

    # '' rather than None: keys stay unprefixed (``save_best='mpjpe_mm'``)
    # and BaseMetric does not warn about a missing prefix.
    default_prefix: Optional[str] = ''

    def __init__(self,
                 root_index: Optional[int] = None,
                 mean_pose: Optional[Any] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if root_index is not None and (
                not isinstance(root_index, (int, np.integer))
                or isinstance(root_index, bool)):
            raise TypeError(
                f'root_index must be an int joint index; got {root_index!r}')
        self.root_index = int(self._skeleton_arg('root_index', root_index, 0))
        self.mean_pose_mm: Optional[np.ndarray] = None
        self._mean_pose = None
        if mean_pose is not None:
            self.set_mean_pose(mean_pose)

    def _skeleton_changed(self) -> None:
        # the baseline pose is made root-relative with the root from the data
        self.set_mean_pose(self._mean_pose)

    @staticmethod
    def format_table(metrics: dict, method: str = 'mpm') -> str:
        """Table-1-style markdown (see :func:`mpm.evaluation.action_table`)."""
        return action_table(metrics, method=method)

    def set_mean_pose(self, pose: Any) -> None:
        """Set the constant pose of the mean-pose baseline.

        Applies to the samples processed after the call.

        Args:
            pose: (J, 3) pose in metres (numpy, torch or nested lists). It is
                made root-relative with ``root_index``; ``None`` removes the
                baseline.
        """
        self._mean_pose = pose
        if pose is None:
            self.mean_pose_mm = None
            return
        self.mean_pose_mm = mean_pose_mm(pose, self.root_index)

    def _check_root(self, num_joints: int, what: str) -> None:
        if not -num_joints <= self.root_index < num_joints:
            raise ValueError(
                f'root_index {self.root_index} is out of range for {what} '
                f'with {num_joints} joints')

    def _sample_poses(self, sample: Any,
                      index: int) -> Tuple[np.ndarray, np.ndarray]:
        """(F, J, 3) root-relative prediction and ground truth in mm."""
        pred, gt = read_pose_pair(sample, index, type(self).__name__)
        self._check_root(pred.shape[1], 'the poses')
        return (root_relative_mm(pred, self.root_index),
                root_relative_mm(gt, self.root_index))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute per-frame errors of one batch and store them.

        Args:
            data_batch: the dataloader batch (unused).
            data_samples: the model's outputs, one dict per sample (see the
                class docstring).
        """
        preds, gts, frames, actions = [], [], [], []
        for i, sample in enumerate(data_samples):
            pred, gt = self._sample_poses(sample, i)
            preds.append(pred)
            gts.append(gt)
            frames.append(pred.shape[0])
            action = _get(sample, 'action')
            actions.append(DEFAULT_ACTION if action is None else str(action))
        if not preds:
            return
        joints = {p.shape[1] for p in preds}
        if len(joints) > 1:
            raise ValueError(
                f'{type(self).__name__}: the samples of one batch have '
                f'different joint counts {sorted(joints)}; all must match.')
        pred = np.concatenate(preds)
        gt = np.concatenate(gts)
        columns = [mpjpe(pred, gt), p_mpjpe(pred, gt), n_mpjpe(pred, gt)]
        if self.mean_pose_mm is not None:
            columns.append(mpjpe(
                mean_pose_baseline(self.mean_pose_mm, gt,
                                   type(self).__name__), gt))
        errors = np.stack(columns, axis=-1)  # (sum F, 3 or 4)
        start = 0
        for action, num in zip(actions, frames):
            self.results.append((action, errors[start:start + num].copy()))
            start += num

    def compute_metrics(
            self, results: List[Tuple[str, np.ndarray]]) -> Dict[str, float]:
        """Average the stored per-frame errors.

        Args:
            results: ``(action, errors (F, 3 or 4))`` entries from
                :meth:`process`, gathered from all ranks.

        Returns:
            Flat dict of floats in mm (keys in the class docstring).
        """
        if not results:
            raise ValueError(
                f'{type(self).__name__} received no samples: check that the '
                'evaluation dataloader is not empty and that the model '
                'returns predictions in predict mode.')
        by_action: Dict[str, List[np.ndarray]] = {}
        for action, errors in results:
            errors = np.asarray(errors, dtype=np.float64)
            errors = errors.reshape(-1, errors.shape[-1])  # (F, 3 or 4)
            by_action.setdefault(action, []).append(errors)
        with_baseline = all(e.shape[-1] > len(_ERROR_NAMES)
                            for chunks in by_action.values() for e in chunks)
        width = len(_ERROR_NAMES) + int(with_baseline)
        action_means = OrderedDict()
        all_errors = []
        for action in ordered_actions(list(by_action)):
            errors = np.concatenate([e[:, :width] for e in by_action[action]])
            action_means[action] = errors.mean(axis=0)
            all_errors.append(errors)
        all_errors = np.concatenate(all_errors)
        headline = np.mean(np.stack(list(action_means.values())), axis=0)
        frame_weighted = all_errors.mean(axis=0)

        metrics: Dict[str, float] = OrderedDict()
        for k, name in enumerate(_ERROR_NAMES):
            metrics[name] = float(headline[k])
        for k, name in enumerate(_ERROR_NAMES):
            metrics[f'{name}_frame_weighted'] = float(frame_weighted[k])
        if with_baseline:
            metrics[_BASELINE_KEY] = float(headline[-1])
        for k, name in enumerate(_ERROR_NAMES):
            for action, means in action_means.items():
                metrics[f'{name}/{action}'] = float(means[k])
        metrics['num_frames'] = int(all_errors.shape[0])
        return dict(metrics)
