"""Evaluation metrics: mmengine BaseMetric subclasses in METRICS."""
from .mpjpe_metric import Human36mMetric, ordered_actions

__all__ = ['Human36mMetric', 'ordered_actions']
