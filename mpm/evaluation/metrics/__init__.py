"""Evaluation metrics: mmengine BaseMetric subclasses in METRICS."""
from .action_metric import ActionRecognitionMetric
from .completion_metric import PAPER_COMPLETION_MM, CompletionMetric
from .mpi_inf_3dhp_metric import PAPER_TABLE2, MpiInf3dhpMetric
from .mpjpe_metric import Human36mMetric, ordered_actions
from .refine_metric import RefineMetric

__all__ = [
    'ActionRecognitionMetric', 'Human36mMetric', 'ordered_actions',
    'CompletionMetric', 'PAPER_COMPLETION_MM', 'MpiInf3dhpMetric',
    'PAPER_TABLE2', 'RefineMetric'
]
