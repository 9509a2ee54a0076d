"""Action recognition metric: top-1 accuracy of the action predictions of
ActionPose pre-training (closed-set classifier, text retrieval, zero-shot)."""
from collections import Counter, OrderedDict
from typing import Any, Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric

from mpm.registry import METRICS
from mpm.utils.action_labels import canonical_label
from .mpjpe_metric import _get

#: Prediction key of a data sample -> name used in the metric keys.
PREDICTIONS = OrderedDict(
    pred_action='action',  # the action classifier (training classes)
    pred_action_text='text',  # closest class text (training classes)
    pred_action_zero_shot='zero_shot',  # closest zero-shot label text
)


@METRICS.register_module()
class ActionRecognitionMetric(BaseMetric):
    """Top-1 accuracy (%) of predicted action labels against each window's
    ground-truth label (``meta['action']``, the centre frame's).

    For every prediction key present in the samples (see
    :data:`PREDICTIONS`: ``pred_action``, ``pred_action_text``,
    ``pred_action_zero_shot``), with ``<name>`` its short name:

    - ``<name>_top1_pct``: share of windows whose prediction is their label;
    - ``<name>_mean_class_pct``: the mean over labels of the per-label
      top-1 (balanced: a uniform guess among K candidate labels scores
      100 / K, whatever the label frequencies; K is the predictor's, e.g.
      the zero-shot labels or the trained classes);
    - ``<name>_top1_pct/<label>``: per label;
    - ``num_windows``: windows scored.

    Labels match when equal after :func:`canonical_label` (case, spaces and
    underscores ignored); per-label keys use the spelling of ``labels``
    (else the first seen), in the order of ``labels`` (else alphabetical).

    Args:
        labels: score only the windows whose label is one of these (e.g.
            the zero-shot labels of a test set whose sequences also contain
            connecting 'walk' / 'stand' segments); None: every labelled
            window.
        keys: the prediction keys to score (default: every one present).
        collect_device, prefix: ``BaseMetric``'s.
    """

    default_prefix: Optional[str] = ''

    def __init__(self, labels: Optional[Sequence[str]] = None,
                 keys: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if isinstance(labels, str) or isinstance(keys, str):
            raise ValueError('labels and keys are lists of strings, got '
                             f'labels={labels!r}, keys={keys!r}')
        unknown = sorted(set(keys or ()) - set(PREDICTIONS))
        if unknown:
            raise ValueError(f'unknown prediction keys {unknown}; use some '
                             f'of {list(PREDICTIONS)}')
        #: canonical label -> its spelling in ``labels`` (None: every label)
        self._label_keys = (None if labels is None else
                            {canonical_label(x): x for x in labels})
        self.keys = tuple(keys) if keys else tuple(PREDICTIONS)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for sample in data_samples:
            label = _get(sample, 'action')
            if not label:
                continue
            key = canonical_label(str(label))
            if self._label_keys is not None and key not in self._label_keys:
                continue
            found = {k: _get(sample, k) for k in self.keys}
            preds = {k: canonical_label(str(v)) for k, v in found.items()
                     if v is not None}
            if preds:
                self.results.append(dict(label=str(label), key=key,
                                         preds=preds))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            which = ('' if self._label_keys is None else
                     ' with one of the labels '
                     f'{list(self._label_keys.values())}')
            raise ValueError(
                'ActionRecognitionMetric: no test window has an action '
                f'label{which} and a prediction ({list(self.keys)}): test '
                "on data with meta['action'] (e.g. AmassDataset(action_"
                "labels='file')) and a model that predicts actions "
                '(ActionPosePretrain)')
        # canonical -> display name: the configured label, else the first
        # spelling seen; order: ``labels``'s, else alphabetical
        names = dict(self._label_keys or {})
        for r in results:
            names.setdefault(r['key'], r['label'])
        order = list(names) if self._label_keys else sorted(names)
        metrics: Dict[str, float] = OrderedDict()
        for pred_key in self.keys:
            scored = [r for r in results if pred_key in r['preds']]
            if not scored:
                continue
            name = PREDICTIONS[pred_key]
            right = Counter(r['key'] for r in scored
                            if r['preds'][pred_key] == r['key'])
            total = Counter(r['key'] for r in scored)
            per_label = {k: 100.0 * right[k] / n for k, n in total.items()}
            metrics[f'{name}_top1_pct'] = \
                100.0 * sum(right.values()) / len(scored)
            metrics[f'{name}_mean_class_pct'] = \
                sum(per_label.values()) / len(per_label)
            for k in (k for k in order if k in per_label):
                metrics[f'{name}_top1_pct/{names[k]}'] = per_label[k]
        metrics['num_windows'] = len(results)
        return metrics

    @staticmethod
    def format_table(metrics: Dict[str, float], method: str = 'mpm') -> str:
        """Markdown: one row per prediction kind (top-1, mean over labels,
        then per label)."""
        lines = []
        for name in PREDICTIONS.values():
            top1 = metrics.get(f'{name}_top1_pct')
            if top1 is None:
                continue
            per = [(k.split('/', 1)[1], v) for k, v in metrics.items()
                   if k.startswith(f'{name}_top1_pct/')]
            head = ('| method | predictions | top-1 (%) | mean over labels '
                    '(%) | ' +
                    ' | '.join(label for label, _ in per) + ' |')
            rule = '|---|---|' + '---:|' * (2 + len(per))
            row = (f'| {method} | {name} | {top1:.1f} | '
                   f"{metrics[f'{name}_mean_class_pct']:.1f} | " +
                   ' | '.join(f'{v:.1f}' for _, v in per) + ' |')
            lines += [head, rule, row, '']
        lines.append(f"windows: {int(metrics.get('num_windows', 0))}")
        return '\n'.join(lines) + '\n'
