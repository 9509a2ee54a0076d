"""Moved to :mod:`mpm.utils.action_labels` (action-label sets are facts
models and metrics share, not a dataset internal); this path keeps working.
"""
from mpm.utils.action_labels import (ACTION_LABEL_SETS,  # noqa: F401
                                     ActionVocabulary, canonical_label,
                                     ordered_actions, resolve_label_set)
