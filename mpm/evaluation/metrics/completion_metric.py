"""Pose completion metric: MPJPE per occlusion setting (MPM Tables 3 and 4)."""
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric

from mpm.registry import METRICS
from ..functional import to_numpy_f64
from .mpjpe_metric import DEFAULT_ACTION, _get, ordered_actions
from .skeleton_from_data import SkeletonFromDataMixin

#: THE PAPER'S NUMBERS (not ours), copied for reference: MPM (arXiv
#: 2306.17201 v2) Table 3, 3D pose from partial 2D input, and Table 4, 3D
#: pose from partial 3D input; MPJPE in mm on Human3.6M.
PAPER_COMPLETION_MM: Dict[str, 'OrderedDict[str, float]'] = {
    '2d_to_3d': OrderedDict(random_1=40.5, random_2=41.5, both_legs=62.1,
                            both_arms=77.0, left_leg_arm=56.9,
                            right_leg_arm=56.3),
    '3d_to_3d': OrderedDict(right_leg=13.0, left_leg=12.4, left_arm=24.0,
                            right_arm=21.6),
}

#: Paper table of each task.
PAPER_TABLE_NAMES = {
    '2d_to_3d': 'MPM Table 3: 3D pose from partial 2D input',
    '3d_to_3d': 'MPM Table 4: 3D pose from partial 3D input',
}

#: Row labels of the occlusion settings (others print their name).
SETTING_LABELS = {
    'random_1': '1 random joint',
    'random_2': '2 random joints',
    'both_legs': 'both legs',
    'both_arms': 'both arms',
    'left_leg_arm': 'left leg + left arm',
    'right_leg_arm': 'right leg + right arm',
    'right_leg': 'right leg',
    'left_leg': 'left leg',
    'left_arm': 'left arm',
    'right_arm': 'right arm',
}

#: ``input_channels`` metric value of each task (2D or 3D input).
TASK_CHANNELS = {'2d_to_3d': 2, '3d_to_3d': 3}

_KEY = 'mpjpe_mm'
_OCC_KEY = 'occluded_mpjpe_mm'


def _ordered_settings(settings: Sequence[str]) -> List[str]:
    """Settings in the papers' row order, then any others sorted."""
    known = [s for table in PAPER_COMPLETION_MM.values() for s in table]
    present = set(settings)
    return [s for s in known if s in present] + sorted(present - set(known))


@METRICS.register_module()
class CompletionMetric(SkeletonFromDataMixin, BaseMetric):
    """MPJPE (mm) of completed poses, per occlusion setting.

    For every setting the model evaluated (``LiftingCompletion`` /
    ``ReconstructionCompletion``, ``predict``), both
    poses are made root-relative (joint ``root_index`` subtracted),
    converted from metres to mm and compared per frame:

    - ``mpjpe_mm/<setting>``: mean Euclidean error over all J joints (the
      papers' number);
    - ``occluded_mpjpe_mm/<setting>`` (``occluded=True``): mean over the
      occluded joints of each frame only.

    Per action the errors are averaged over frames; a setting's number is
    the unweighted mean of its per-action means (Human3.6M protocol, one
    group ``'all'`` without actions). ``mpjpe_mm`` / ``occluded_mpjpe_mm``
    are the unweighted means over the settings. ``num_frames`` counts the
    frames of one setting; ``input_channels`` is 2 (partial 2D -> 3D) or 3
    (partial 3D -> 3D) when the samples say which (``completion_task``).

    ``process`` expects each data sample (dict or ``BaseDataElement``) to
    hold:

    - ``pred_keypoints_3d_per_setting``: {setting: (J, 3) or (F, J, 3)}
      metres;
    - ``hidden_joints_per_setting``: {setting: (J,) or (F, J) bool}, the
      occluded joints (needed when ``occluded=True``);
    - ``gt_keypoints_3d``: (J, 3) or (F, J, 3) metres;
    - ``action``, ``completion_task`` (optional).

    Args:
        root_index: root joint subtracted from both poses; None: the
            dataset's root (``dataset_meta``), joint 0 until set.
        occluded: also report the error over the occluded joints.
        settings: settings to report (default: every one found), in order.
        collect_device, prefix: as in ``BaseMetric``.
    """

    default_prefix: Optional[str] = ''

    def __init__(self, root_index: Optional[int] = None, occluded: bool = True,
                 settings: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.root_index = int(self._skeleton_arg('root_index', root_index, 0))
        self.occluded = bool(occluded)
        self.settings = None if settings is None else list(settings)

    # ------------------------------------------------------------------
    def _errors(self, pred: Any, gt: np.ndarray, hidden: Any, setting: str,
                index: int, sample: Any) -> np.ndarray:
        """(F, 2) per-frame MPJPE over all joints and over hidden joints."""
        pred = to_numpy_f64(pred, f'pred_keypoints_3d_per_setting[{setting}]')
        if pred.ndim == 2:
            pred = pred[None]
        if pred.shape != gt.shape or pred.shape[-1] != 3:
            raise ValueError(
                f'{type(self).__name__}: data sample {index} (action '
                f"{_get(sample, 'action')!r}, frame {_get(sample, 'frame')!r})"
                f", setting '{setting}': prediction {tuple(pred.shape)} and "
                f'gt_keypoints_3d {tuple(gt.shape)} must both be (J, 3) or '
                '(F, J, 3) and match')
        root = self.root_index
        pred = (pred - pred[:, root:root + 1]) * 1000.0
        dist = np.linalg.norm(pred - gt, axis=-1)  # (F, J)
        occluded = np.full(dist.shape[0], np.nan)
        if self.occluded:
            if hidden is None:
                raise KeyError(
                    f'{type(self).__name__}: data sample {index} has no '
                    f"hidden_joints_per_setting['{setting}']; the model's "
                    'predict must return the occluded joints, or set '
                    'occluded=False')
            mask = np.asarray(to_numpy_f64(hidden, 'hidden') > 0.5)
            mask = np.broadcast_to(mask if mask.ndim == 2 else mask[None],
                                   dist.shape)
            count = mask.sum(-1)
            with np.errstate(invalid='ignore', divide='ignore'):
                occluded = np.where(count > 0,
                                    (dist * mask).sum(-1) / count, np.nan)
        return np.stack([dist.mean(-1), occluded], axis=-1)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store per-frame errors of every setting, one entry per sample.

        Entry: ``(action, task, {setting: (F, 2) float64})`` with columns
        MPJPE over all joints and over the occluded joints, in mm.
        """
        for i, sample in enumerate(data_samples):
            preds = _get(sample, 'pred_keypoints_3d_per_setting')
            gt = _get(sample, 'gt_keypoints_3d')
            if preds is None or gt is None:
                keys = (sorted(sample.keys())
                        if hasattr(sample, 'keys') else type(sample))
                raise KeyError(
                    f'{type(self).__name__}: data sample {i} needs '
                    "'pred_keypoints_3d_per_setting' and 'gt_keypoints_3d' "
                    f'(it has {keys}); use a LiftingCompletion or '
                    'ReconstructionCompletion model')
            gt = to_numpy_f64(gt, 'gt_keypoints_3d')
            if gt.ndim == 2:
                gt = gt[None]
            if gt.ndim != 3 or not -gt.shape[1] <= self.root_index < gt.shape[
                    1]:
                raise ValueError(
                    f'{type(self).__name__}: gt_keypoints_3d of sample {i} '
                    f'has shape {tuple(gt.shape)}; expected (J, 3) or '
                    f'(F, J, 3) with root_index {self.root_index} < J')
            root = self.root_index
            gt = (gt - gt[:, root:root + 1]) * 1000.0
            hidden = _get(sample, 'hidden_joints_per_setting') or {}
            errors = OrderedDict(
                (s, self._errors(p, gt, hidden.get(s), s, i, sample))
                for s, p in preds.items())
            action = _get(sample, 'action')
            task = _get(sample, 'completion_task')
            self.results.append(
                (DEFAULT_ACTION if action is None else str(action),
                 None if task is None else str(task), errors))

    def compute_metrics(self, results: List[Tuple]) -> Dict[str, float]:
        """Average the stored errors (keys in the class docstring)."""
        if not results:
            raise ValueError(
                f'{type(self).__name__} received no samples: check that the '
                'evaluation dataloader is not empty')
        grouped: Dict[str, Dict[str, List[np.ndarray]]] = OrderedDict()
        tasks = set()
        for action, task, errors in results:
            tasks.add(task)
            for setting, e in errors.items():
                grouped.setdefault(setting, {}).setdefault(action, []).append(
                    np.asarray(e, dtype=np.float64).reshape(-1, 2))
        settings = self.settings or _ordered_settings(list(grouped))
        missing = [s for s in settings if s not in grouped]
        if missing:
            raise KeyError(f'{type(self).__name__}: no predictions for the '
                           f'settings {missing}; found {list(grouped)}')
        metrics: Dict[str, float] = OrderedDict()
        per_setting = OrderedDict()
        num_frames = 0
        for setting in settings:
            by_action = grouped[setting]
            means = []
            for action in ordered_actions(list(by_action)):
                errors = np.concatenate(by_action[action])
                means.append(np.nanmean(errors, axis=0)
                             if self.occluded else errors.mean(axis=0))
            per_setting[setting] = np.mean(np.stack(means), axis=0)
            num_frames = sum(len(e) for chunks in by_action.values()
                             for e in chunks)
        metrics[_KEY] = float(np.mean([v[0] for v in per_setting.values()]))
        if self.occluded:
            metrics[_OCC_KEY] = float(
                np.mean([v[1] for v in per_setting.values()]))
        for setting, value in per_setting.items():
            metrics[f'{_KEY}/{setting}'] = float(value[0])
        if self.occluded:
            for setting, value in per_setting.items():
                metrics[f'{_OCC_KEY}/{setting}'] = float(value[1])
        metrics['num_frames'] = int(num_frames)
        if len(tasks) == 1 and None not in tasks:
            task = tasks.pop()
            if task in TASK_CHANNELS:
                metrics['input_channels'] = TASK_CHANNELS[task]
        return dict(metrics)

    # ------------------------------------------------------------------
    @staticmethod
    def format_table(metrics: Mapping, method: str = 'mpm') -> str:
        """Table-3 / Table-4-style markdown.

        Rows: the occlusion settings found as ``mpjpe_mm/<setting>`` (paper
        row order) and ``Avg``; columns: ``method``'s MPJPE over all joints,
        its MPJPE over the occluded joints (when present) and the paper's
        number (:data:`PAPER_COMPLETION_MM`, for reference; its ``Avg`` is
        the paper's mean over the same rows, ``-`` when the paper lacks one
        of them). The paper table
        is Table 3 for 2D input, Table 4 for 3D input (``input_channels``;
        without it, Table 4 when every setting is one of Table 4's limbs).

        Args:
            metrics: the flat dict of :meth:`compute_metrics` (possibly
                merged with other metrics), or ``{method: metrics}``.
            method: column name for a single metrics dict.

        Returns:
            Markdown text.
        """
        if not isinstance(metrics, Mapping):
            raise TypeError(f'metrics must be a dict, got {type(metrics)}')
        multi = len(metrics) > 0 and all(
            isinstance(v, Mapping) for v in metrics.values())
        runs = dict(metrics) if multi else {method: metrics}
        found = [k[len(_KEY) + 1:] for m in runs.values() for k in m
                 if k.startswith(_KEY + '/')]
        settings = _ordered_settings(found)
        if not settings:
            raise ValueError(
                f"no '{_KEY}/<setting>' keys in the metrics (keys: "
                f'{sorted(k for m in runs.values() for k in m)[:20]}); pass '
                'the dict returned by CompletionMetric')
        channels = {m.get('input_channels') for m in runs.values()} - {None}
        if channels == {3} or (not channels and set(settings) <= set(
                PAPER_COMPLETION_MM['3d_to_3d'])):
            task = '3d_to_3d'
        else:
            task = '2d_to_3d'
        paper = PAPER_COMPLETION_MM[task]

        def fmt(value):
            return '-' if value is None else f'{float(value):.1f}'

        header = ['Occluded input']
        for name in runs:
            header.append(f'{name}')
            if any(f'{_OCC_KEY}/{s}' in runs[name] for s in settings):
                header.append(f'{name} (occluded joints)')
        header.append('paper (MPM)')
        lines = [f'### {PAPER_TABLE_NAMES[task]}, MPJPE (mm)', '',
                 '| ' + ' | '.join(header) + ' |',
                 '|' + '|'.join([' --- '] + [' ---: '] *
                                (len(header) - 1)) + '|']
        for setting in settings + ['Avg']:
            label = SETTING_LABELS.get(setting, setting)
            cells = [label]
            for name, m in runs.items():
                occ = any(f'{_OCC_KEY}/{s}' in m for s in settings)
                if setting == 'Avg':
                    cells.append(fmt(m.get(_KEY)))
                    if occ:
                        cells.append(fmt(m.get(_OCC_KEY)))
                else:
                    cells.append(fmt(m.get(f'{_KEY}/{setting}')))
                    if occ:
                        cells.append(fmt(m.get(f'{_OCC_KEY}/{setting}')))
            if setting == 'Avg':
                ref = [paper[s] for s in settings if s in paper]
                cells.append(fmt(np.mean(ref)) if len(ref) == len(settings)
                             else '-')
            else:
                cells.append(fmt(paper.get(setting)))
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines += ['', "paper (MPM): the numbers published in the MPM paper "
                  '(Human3.6M, for reference), not measured here. The '
                  'error is over all 17 joints; "occluded joints" is over '
                  'the hidden joints only.']
        return '\n'.join(lines) + '\n'
