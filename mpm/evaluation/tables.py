"""Paper-style result tables and metric files from :class:`Human36mMetric`
outputs.

The input is the flat dict the metric returns (``'mpjpe_mm'``,
``'mpjpe_mm/Walking'``, ``'mpjpe_mm_frame_weighted'``, ...), all numbers in
millimetres.
"""
import csv
import json
import os
import os.path as osp
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mpm.utils.action_labels import ordered_actions

__all__ = [
    'DEFAULT_PROTOCOLS', 'action_table', 'format_tables', 'write_metrics'
]

#: (metric key, table title) of the protocols shown by default.
DEFAULT_PROTOCOLS: Tuple[Tuple[str, str], ...] = (
    ('mpjpe_mm', 'Protocol #1 MPJPE (mm)'),
    ('p_mpjpe_mm', 'Protocol #2 P-MPJPE (mm)'),
    ('n_mpjpe_mm', 'N-MPJPE (mm)'),
)

_AVG = 'Avg'


def _is_multi(metrics: Mapping) -> bool:
    """True for ``{method: metrics dict}``, False for one metrics dict."""
    return len(metrics) > 0 and all(
        isinstance(v, Mapping) for v in metrics.values())


def _actions_in(metrics_list: Sequence[Mapping],
                keys: Sequence[str]) -> List[str]:
    """Action names that appear as ``'<key>/<Action>'`` in any dict."""
    found = set()
    for metrics in metrics_list:
        for name in metrics:
            for key in keys:
                if name.startswith(key + '/'):
                    found.add(name[len(key) + 1:])
    return ordered_actions(list(found))


def _fmt(value: Any) -> str:
    if value is None:
        return '-'
    return f'{float(value):.1f}'


def _cell(text: str) -> str:
    return str(text).replace('|', '\\|')


def action_table(metrics: Mapping,
                 method: str = 'mpm',
                 protocols: Sequence[Tuple[str, str]] = DEFAULT_PROTOCOLS,
                 actions: Optional[Sequence[str]] = None) -> str:
    """Markdown tables in the layout of the papers' Table 1.

    One table per protocol: rows are methods, columns the actions (Human3.6M
    table order for those present, then other names sorted) and ``Avg`` (the
    headline: unweighted mean over actions). Numbers have one decimal; a
    missing number is ``-``. Below each table a line gives the frame-weighted
    mean (``'<key>_frame_weighted'``) when the metrics have it. Protocols
    whose headline key no method has are left out.

    Args:
        metrics: one metrics dict (one row named ``method``) or a dict
            ``{method name: metrics dict}`` (one row each, in order).
        method: row name when ``metrics`` is a single metrics dict.
        protocols: ``(metric key, title)`` pairs, e.g.
            ``('mpjpe_mm', 'Protocol #1 MPJPE (mm)')``.
        actions: columns to show, in order; by default every action found.

    Returns:
        The markdown text (tables separated by blank lines).
    """
    if not isinstance(metrics, Mapping):
        raise TypeError(f'metrics must be a dict of metric values or a dict '
                        f'of such dicts per method; got {type(metrics)}')
    rows: Dict[str, Mapping] = (dict(metrics) if _is_multi(metrics) else {
        method: metrics
    })
    protocols = [tuple(p) for p in protocols]
    for p in protocols:
        if len(p) != 2:
            raise ValueError(f'protocols must be (metric key, title) pairs; '
                             f'got {p!r}')
    shown = [(key, title) for key, title in protocols
             if any(key in m for m in rows.values())]
    if not shown:
        present = sorted({k for m in rows.values() for k in m})[:20]
        raise ValueError(
            f'none of the protocol keys {[k for k, _ in protocols]} is in the '
            f'metrics (keys found: {present}). Pass the dict returned by '
            'Human36mMetric, or set `protocols`.')
    columns = (list(actions) if actions is not None else _actions_in(
        list(rows.values()), [k for k, _ in shown]))

    blocks = []
    for key, title in shown:
        lines = [f'### {title}', '']
        header = ['Method'] + columns + [_AVG]
        lines.append('| ' + ' | '.join(_cell(h) for h in header) + ' |')
        lines.append('|' + '|'.join([' --- '] + [' ---: '] *
                                    (len(header) - 1)) + '|')
        for name, m in rows.items():
            cells = [_cell(name)]
            cells += [_fmt(m.get(f'{key}/{a}')) for a in columns]
            cells.append(_fmt(m.get(key)))
            lines.append('| ' + ' | '.join(cells) + ' |')
        weighted = [(name, m[f'{key}_frame_weighted'])
                    for name, m in rows.items()
                    if f'{key}_frame_weighted' in m]
        if weighted:
            parts = ', '.join(f'{n} {_fmt(v)}' for n, v in weighted)
            lines += [
                '', f'Avg is the unweighted mean over actions. '
                f'Frame-weighted mean over all frames: {parts}.'
            ]
        blocks.append('\n'.join(lines))
    return '\n\n'.join(blocks) + '\n'


def _evaluator_types(evaluator_cfg: Any) -> List[str]:
    """``type`` names of the metrics in a ``test_evaluator`` config."""
    if evaluator_cfg is None:
        return []
    if isinstance(evaluator_cfg, Mapping):
        if 'metrics' in evaluator_cfg:  # dict(type='Evaluator', metrics=...)
            return _evaluator_types(evaluator_cfg['metrics'])
        return [str(evaluator_cfg['type'])] if 'type' in evaluator_cfg else []
    if isinstance(evaluator_cfg, (list, tuple)):
        return [t for cfg in evaluator_cfg for t in _evaluator_types(cfg)]
    return []


def format_tables(metrics: Mapping, evaluator_cfg: Any,
                  method: str = 'mpm') -> str:
    """The paper-style tables of every metric in ``evaluator_cfg``.

    Each metric class renders its own table through a ``format_table(
    metrics, method)`` static/class method (Human3.6M: :func:`action_table`;
    MPI-INF-3DHP: a Table-2 row; completion: Tables 3-4). A metric class
    without one contributes nothing; when no class renders anything the
    flat ``key: value`` list is returned so no result goes unprinted.

    Args:
        metrics: the flat dict returned by ``runner.test()``.
        evaluator_cfg: the config's ``test_evaluator`` (dict or list).
        method: row name.

    Returns:
        Markdown text.
    """
    from mpm.registry import METRICS  # noqa: late import (registry locations)
    blocks = []
    for name in dict.fromkeys(_evaluator_types(evaluator_cfg)):
        cls = METRICS.get(name)
        render = getattr(cls, 'format_table', None)
        if render is not None:
            blocks.append(render(metrics, method=method))
    if not blocks:
        blocks = ['\n'.join(f'{k}: {_fmt(v) if isinstance(v, float) else v}'
                            for k, v in metrics.items()) + '\n']
    return '\n'.join(blocks)


def _plain(value: Any) -> Any:
    """JSON-friendly value: numpy/torch scalars to float or int."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if hasattr(value, 'item') and getattr(value, 'ndim', 1) == 0:
        return _plain(value.item())
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_metrics(metrics: Mapping,
                  work_dir: str,
                  extra: Optional[Mapping] = None) -> Tuple[str, str]:
    """Write ``metrics.json`` and ``metrics.csv`` into ``work_dir``.

    - ``metrics.json``: the flat metrics dict (numbers as JSON floats,
      counts such as ``num_frames`` as ints), merged with ``extra`` (e.g.
      ``{'config': ..., 'checkpoint': ...}``), keys sorted.
    - ``metrics.csv``: columns ``action`` and one per protocol present
      (``mpjpe_mm``, ``p_mpjpe_mm``, ``n_mpjpe_mm``), one row per action in
      table order, then an ``Avg`` row with the headline numbers. Values in
      mm at full precision; an empty cell is a missing value.

    Args:
        metrics: one metrics dict as returned by ``Human36mMetric``.
        work_dir: output folder (created if missing).
        extra: more JSON-serialisable entries for ``metrics.json``; a key
            that is also a metric key raises ``ValueError``.

    Returns:
        ``(json_path, csv_path)``.
    """
    if not isinstance(metrics, Mapping) or _is_multi(metrics):
        raise TypeError('write_metrics takes one flat metrics dict (as '
                        'returned by Human36mMetric); got '
                        f'{type(metrics).__name__}')
    payload = {str(k): _plain(v) for k, v in metrics.items()}
    if extra:
        clash = sorted(set(map(str, extra)) & set(payload))
        if clash:
            raise ValueError(f'extra keys {clash} collide with metric keys; '
                             'rename them.')
        payload.update({str(k): _plain(v) for k, v in extra.items()})
    os.makedirs(work_dir, exist_ok=True)
    json_path = osp.join(work_dir, 'metrics.json')
    with open(json_path, 'w', encoding='utf-8') as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write('\n')

    keys = [k for k, _ in DEFAULT_PROTOCOLS if k in metrics]
    actions = _actions_in([metrics], keys or [k for k, _ in DEFAULT_PROTOCOLS])
    csv_path = osp.join(work_dir, 'metrics.csv')
    with open(csv_path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['action'] + keys)
        for action in actions:
            writer.writerow(
                [action] +
                [_csv_value(metrics.get(f'{k}/{action}')) for k in keys])
        writer.writerow([_AVG] + [_csv_value(metrics.get(k)) for k in keys])
    return json_path, csv_path


def _csv_value(value: Any) -> str:
    return '' if value is None else repr(float(value))
