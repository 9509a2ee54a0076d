"""MPI-INF-3DHP metric: PCK@150 mm, AUC and MPJPE per test sequence.

The official protocol (the MATLAB ``mpii_3dhp_evaluate`` of the dataset,
re-implemented in numpy with :func:`~mpm.evaluation.functional.pck`,
:func:`~mpm.evaluation.functional.auc` and
:func:`~mpm.evaluation.functional.mpjpe`): valid frames only, both poses
root-relative (pelvis at the origin), in millimetres; a joint is correct when
its error is below the threshold; PCK at 150 mm and AUC (mean PCK over
0, 5, ..., 150 mm) over the 14 joints other than pelvis, spine and head;
MPJPE over all 17 joints; overall numbers frame-weighted over all sequences.
"""
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric

from mpm.registry import METRICS
from mpm.utils.natural_sort import natural_sort_key as sequence_sort_key
from mpm.utils.skeleton import (MPI_INF_3DHP_SKELETON, MPI_INF_3DHP_TO_H36M,
                                pck_joint_indices)
from ..functional import auc, mpjpe, pck, to_numpy_f64
from .skeleton_from_data import SkeletonFromDataMixin
from .mpjpe_metric import (_get, mean_pose_baseline, mean_pose_mm,
                           read_pose_pair, root_relative_mm)

__all__ = ['MpiInf3dhpMetric', 'PAPER_TABLE2']

#: Sequence name used when data samples carry no ``sequence``.
DEFAULT_SEQUENCE = 'all'
#: Table 2 numbers of the papers (PCK %, AUC %, MPJPE mm), GT 2D input.
PAPER_TABLE2: Dict[str, Tuple[float, float, float]] = OrderedDict([
    ('P-STMO (paper, 81 f)', (97.9, 75.8, 32.2)),
    ('MPM (paper, 243 f)', (98.4, 80.0, 29.1)),
])


@METRICS.register_module()
class MpiInf3dhpMetric(SkeletonFromDataMixin, BaseMetric):
    """PCK, AUC and MPJPE of MPI-INF-3DHP (official protocol), per sequence.

    ``process`` expects each data sample (dict or ``BaseDataElement``) to
    hold:

    - ``pred_keypoints_3d``: (J, 3) or (F, J, 3) predicted pose(s), metres
      (numpy or torch, any device), J = 17.
    - ``gt_keypoints_3d``: same shape, metres.
    - ``sequence`` (optional): e.g. ``'TS1'``; one group ``'all'`` if absent.
    - ``valid`` (optional): 1 / 0 (scalar, or (F,) with F frames); frames
      with 0 are ignored. Missing = valid.

    Both poses are made root-relative (joint ``root_index``) and converted to
    millimetres. Only valid frames are stored: one entry
    ``(sequence, pred (F, J, 3) mm, gt (F, J, 3) mm)`` per sample.

    Output keys: ``pck_150mm`` (% of the 14 joints within 150 mm), ``auc``
    (%), ``mpjpe_mm`` (17 joints), ``num_frames``, all frame-weighted over
    every valid frame; per sequence ``pck_150mm/TS1``, ``auc/TS1``,
    ``mpjpe_mm/TS1``, ``num_frames/TS1``. (With ``pck_threshold`` t the key
    is ``pck_{t}mm``.)

    Args:
        joint_order: ``'3dhp'`` (pelvis 14; the dataset's default) or
            ``'h36m'`` (data read with ``joint_order='h36m'``, pelvis 0);
            None: the dataset's (``dataset_meta``), ``'3dhp'`` until set.
            A value set here must agree with the dataset's.
            Sets the root and the 14 PCK joints.
        root_index: override the root joint (None: the dataset's root,
            ``dataset_meta``, or ``joint_order``'s until set).
        pck_joints: override the joints PCK / AUC count (None: the
            dataset's ``pck_joints``, or ``joint_order``'s until set).
        pck_threshold: PCK threshold in mm (150).
        auc_thresholds: AUC thresholds in mm (0, 5, ..., 150).
        mean_pose: optional (J, 3) pose in metres (e.g. the training set's
            mean root-relative pose; ``tools/test.py --mean-pose-baseline``
            sets it): adds ``baseline_mean_pose_{pck_150mm,auc,mpjpe_mm}``,
            the scores of always predicting it.
        collect_device: 'cpu' or 'gpu', for collecting results across ranks.
        prefix: optional key prefix.
    """

    default_prefix: Optional[str] = ''
    #: taken from the dataset's metainfo unless set (attribute -> key)
    SKELETON_KEYS = {'joint_order': 'joint_order', 'root_index': 'root',
                     'pck_joints': 'pck_joints'}

    def __init__(self,
                 joint_order: Optional[str] = None,
                 root_index: Optional[int] = None,
                 pck_joints: Optional[Sequence[int]] = None,
                 pck_threshold: float = 150.0,
                 auc_thresholds: Sequence[float] = tuple(range(0, 151, 5)),
                 mean_pose: Optional[Any] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if joint_order not in (None, '3dhp', 'h36m'):
            raise ValueError(f"joint_order must be '3dhp' or 'h36m', got "
                             f'{joint_order!r}.')
        self.joint_order = self._skeleton_arg('joint_order', joint_order,
                                              '3dhp')
        self._skeleton_arg('root_index', root_index, None)
        self._skeleton_arg('pck_joints', pck_joints, None)
        self._configured_root, self._configured_pck = root_index, pck_joints
        self._set_joints(self.joint_order)
        self.pck_threshold = float(pck_threshold)
        self.auc_thresholds = [float(t) for t in auc_thresholds]
        if not self.auc_thresholds:
            raise ValueError('auc_thresholds is empty; the protocol uses '
                             '0, 5, ..., 150 mm.')
        self.pck_key = f'pck_{self.pck_threshold:g}mm'
        self.mean_pose_mm: Optional[np.ndarray] = None
        self._mean_pose = mean_pose
        self._skeleton_changed()

    def _set_joints(self, joint_order: str) -> None:
        """Root and PCK joints of ``joint_order`` unless configured."""
        root = MPI_INF_3DHP_SKELETON.root
        if joint_order == 'h36m':
            root = MPI_INF_3DHP_TO_H36M.index(root)
        self.root_index = int(root if self._configured_root is None else
                              self._configured_root)
        self.pck_joints = list(
            pck_joint_indices(joint_order) if self._configured_pck is None
            else self._configured_pck)

    def _skeleton_changed(self) -> None:
        # dataset_meta set joint_order / root_index / pck_joints: what the
        # data gave wins over joint_order's defaults
        root, pck = self.root_index, self.pck_joints
        self._set_joints(self.joint_order)
        meta = self.dataset_meta or {}
        if meta.get('root') is not None:
            self.root_index = int(root)
        if meta.get('pck_joints') is not None:
            self.pck_joints = [int(j) for j in pck]
        # the baseline pose is made root-relative with the root from the data
        if self._mean_pose is not None:
            self.mean_pose_mm = mean_pose_mm(self._mean_pose, self.root_index)

    # ------------------------------------------------------------- process
    def _poses(self, sample: Any, index: int) -> Tuple[np.ndarray,
                                                        np.ndarray]:
        """(F, J, 3) root-relative prediction and ground truth in mm."""
        pred, gt = read_pose_pair(sample, index, type(self).__name__,
                                  context=('sequence', 'frame'))
        num_joints = pred.shape[1]
        if not -num_joints <= self.root_index < num_joints or (
                self.pck_joints and max(self.pck_joints) >= num_joints):
            raise ValueError(
                f'{type(self).__name__}: poses have {num_joints} joints but '
                f'root_index is {self.root_index} and the PCK joints go up '
                f'to {max(self.pck_joints)} (joint_order='
                f"'{self.joint_order}' expects the 17 MPI-INF-3DHP joints).")
        return (root_relative_mm(pred, self.root_index),
                root_relative_mm(gt, self.root_index))

    @staticmethod
    def _valid_mask(sample: Any, frames: int, index: int) -> np.ndarray:
        valid = _get(sample, 'valid')
        if valid is None:
            return np.ones(frames, bool)
        valid = to_numpy_f64(valid, 'valid').reshape(-1)
        if valid.size == 1:
            valid = np.repeat(valid, frames)
        if valid.size != frames:
            raise ValueError(
                f'MpiInf3dhpMetric: data sample {index} has {valid.size} '
                f'valid flags for {frames} frames.')
        return valid != 0

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the valid frames of one batch (root-relative, mm).

        Args:
            data_batch: the dataloader batch (unused).
            data_samples: the model's outputs (see the class docstring).
        """
        for i, sample in enumerate(data_samples):
            pred, gt = self._poses(sample, i)
            keep = self._valid_mask(sample, len(pred), i)
            seq = _get(sample, 'sequence')
            seq = DEFAULT_SEQUENCE if seq is None else str(seq)
            self.results.append((seq, pred[keep].astype(np.float32),
                                 gt[keep].astype(np.float32)))

    # ------------------------------------------------------------- compute
    def _scores(self, pred: np.ndarray, gt: np.ndarray) -> Tuple[float,
                                                                 float,
                                                                 float]:
        return (pck(pred, gt, self.pck_threshold, self.pck_joints),
                auc(pred, gt, self.auc_thresholds, self.pck_joints),
                float(mpjpe(pred, gt).mean()))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """PCK / AUC (%) and MPJPE (mm), overall and per sequence.

        Args:
            results: ``(sequence, pred (F, J, 3), gt (F, J, 3))`` entries in
                mm from :meth:`process`, gathered from all ranks.

        Returns:
            Flat dict (keys in the class docstring).
        """
        by_seq: Dict[str, List[Tuple[np.ndarray, np.ndarray]]] = {}
        for seq, pred, gt in results:
            if len(pred):
                by_seq.setdefault(seq, []).append((pred, gt))
        if not by_seq:
            raise ValueError(
                f'{type(self).__name__} received no valid frame: check that '
                'the test dataloader is not empty, that samples carry '
                "meta 'valid' = 1 for the frames to evaluate, and that the "
                'model returns predictions in predict mode.')
        seq_poses = OrderedDict()
        for seq in sorted(by_seq, key=sequence_sort_key):
            seq_poses[seq] = (
                np.concatenate([p for p, _ in by_seq[seq]]).astype(np.float64),
                np.concatenate([g for _, g in by_seq[seq]]).astype(np.float64))
        all_pred = np.concatenate([p for p, _ in seq_poses.values()])
        all_gt = np.concatenate([g for _, g in seq_poses.values()])
        metrics: Dict[str, Any] = OrderedDict()
        names = (self.pck_key, 'auc', 'mpjpe_mm')
        for name, value in zip(names, self._scores(all_pred, all_gt)):
            metrics[name] = value
        metrics['num_frames'] = int(len(all_pred))
        if self.mean_pose_mm is not None:
            baseline = mean_pose_baseline(self.mean_pose_mm, all_gt,
                                          type(self).__name__)
            for name, value in zip(names, self._scores(baseline, all_gt)):
                metrics[f'baseline_mean_pose_{name}'] = value
        for seq, (pred, gt) in seq_poses.items():
            for name, value in zip(names, self._scores(pred, gt)):
                metrics[f'{name}/{seq}'] = value
            metrics[f'num_frames/{seq}'] = int(len(pred))
        return dict(metrics)

    # --------------------------------------------------------------- table
    @staticmethod
    def format_table(metrics: Mapping, method: str = 'mpm',
                     with_paper: bool = True) -> str:
        """Table-2-style markdown: ``Method | PCK | AUC | MPJPE`` rows and a
        per-sequence table.

        Args:
            metrics: the dict of :meth:`compute_metrics` (one row named
                ``method``) or ``{method name: metrics dict}``.
            method: row name of a single metrics dict.
            with_paper: also list the papers' Table 2 rows
                (:data:`PAPER_TABLE2`) above the results.

        Returns:
            Markdown text; numbers with one decimal, ``-`` when missing.
        """
        if not isinstance(metrics, Mapping):
            raise TypeError(f'metrics must be a dict, got {type(metrics)}.')
        multi = len(metrics) > 0 and all(
            isinstance(v, Mapping) for v in metrics.values())
        rows = dict(metrics) if multi else {method: metrics}

        def fmt(value) -> str:
            return '-' if value is None else f'{float(value):.1f}'

        def cell(text) -> str:
            return str(text).replace('|', '\\|')

        lines = ['### MPI-INF-3DHP (Table 2, GT 2D)', '',
                 '| Method | PCK (%) ↑ | AUC (%) ↑ | MPJPE (mm) ↓ |',
                 '| --- | ---: | ---: | ---: |']
        if with_paper:
            for name, numbers in PAPER_TABLE2.items():
                lines.append(f'| {cell(name)} | ' +
                             ' | '.join(fmt(v) for v in numbers) + ' |')
        for name, m in rows.items():
            pck_key = next((k for k in m if k.startswith('pck_')
                            and k.endswith('mm') and '/' not in k),
                           'pck_150mm')
            lines.append(f'| {cell(name)} | {fmt(m.get(pck_key))} | '
                         f"{fmt(m.get('auc'))} | {fmt(m.get('mpjpe_mm'))} |")
        blocks = ['\n'.join(lines)]
        for name, m in rows.items():
            seqs = sorted(
                {k.split('/', 1)[1] for k in m if k.startswith('mpjpe_mm/')},
                key=sequence_sort_key)
            if not seqs:
                continue
            pck_key = next((k for k in m if k.startswith('pck_')
                            and k.endswith('mm') and '/' not in k),
                           'pck_150mm')
            seq_lines = [
                f'### MPI-INF-3DHP per sequence ({cell(name)})', '',
                '| Sequence | Frames | PCK (%) | AUC (%) | MPJPE (mm) |',
                '| --- | ---: | ---: | ---: | ---: |'
            ]
            for seq in seqs + ['All']:
                sfx = '' if seq == 'All' else f'/{seq}'
                frames = m.get(f'num_frames{sfx}')
                seq_lines.append(
                    f"| {cell(seq)} | {'-' if frames is None else int(frames)}"
                    f' | {fmt(m.get(pck_key + sfx))} | '
                    f"{fmt(m.get('auc' + sfx))} | "
                    f"{fmt(m.get('mpjpe_mm' + sfx))} |")
            blocks.append('\n'.join(seq_lines))
        return '\n\n'.join(blocks) + '\n'
