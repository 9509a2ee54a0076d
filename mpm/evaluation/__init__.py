"""Evaluation: pure error functions, mmengine metrics and result tables.

Importing this package registers the metrics in :data:`mpm.registry.METRICS`.
"""
from .functional import auc, mpjpe, n_mpjpe, p_mpjpe, pck
from .metrics import Human36mMetric, ordered_actions
from .tables import action_table, format_tables, write_metrics

__all__ = [
    'mpjpe', 'p_mpjpe', 'n_mpjpe', 'pck', 'auc', 'Human36mMetric',
    'ordered_actions', 'action_table', 'format_tables', 'write_metrics'
]
