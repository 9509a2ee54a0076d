"""Action label sets and the label -> class index vocabulary.

Datasets put the action of a window in ``meta['action']`` (Human3.6M: the
category, e.g. ``'Walking'``; the synthetic Human3.6M: one of its six
actions; BABEL: a fine-grained ``proc_label`` such as ``'walk'``). Action
recognition and text alignment need class indices:
:class:`ActionVocabulary` maps those strings to indices.
"""
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .babel_categories import BABEL_ACTION_CATEGORIES
from .skeleton import CORPUS_FAMILIES, H36M_ACTIONS, SYNTHETIC_ACTIONS

#: Named label sets a config can refer to by name.
ACTION_LABEL_SETS: Dict[str, Tuple[str, ...]] = {
    'h36m': tuple(H36M_ACTIONS),
    'synthetic': tuple(SYNTHETIC_ACTIONS),
    'corpus': tuple(CORPUS_FAMILIES),
    'babel': BABEL_ACTION_CATEGORIES,
}


def ordered_actions(actions: Sequence[str]) -> List[str]:
    """Actions in table order: Human3.6M's 15 actions in the papers' order
    (those present), then any other names sorted alphabetically."""
    present = set(actions)
    known = [a for a in H36M_ACTIONS if a in present]
    return known + sorted(present - set(known))


def canonical_label(label: str) -> str:
    """Lower case without spaces, underscores or punctuation:
    ``'Sitting Down'``, ``'sitting_down'`` and ``'SittingDown'`` all give
    ``'sittingdown'``."""
    return re.sub(r'[^0-9a-z]', '', label.lower())


def resolve_label_set(class_names: Union[str, Sequence[str]]
                      ) -> Tuple[str, ...]:
    """A label set given by name (``'h36m'``, ``'synthetic'``, ``'corpus'``:
    the motion corpus's families, ``'babel'``: BABEL's action categories),
    several names joined by ``'+'`` (``'synthetic+corpus'``: their union in
    order, duplicates once), or as a list of labels."""
    if isinstance(class_names, str):
        names = []
        for part in class_names.split('+'):
            if part not in ACTION_LABEL_SETS:
                raise ValueError(
                    f'unknown label set {part!r}: use one of '
                    f'{sorted(ACTION_LABEL_SETS)} (several joined by "+") '
                    'or a list of labels')
            names.extend(ACTION_LABEL_SETS[part])
        return tuple(dict.fromkeys(names))
    names = tuple(str(x) for x in class_names)
    if not names:
        raise ValueError('the label set is empty: give at least one label')
    return names


class ActionVocabulary:
    """Action strings -> class indices.

    A string matches the class with the same :func:`canonical_label`, so
    spelling variants ('Sitting Down', 'sitting_down') map to 'SittingDown'.
    ``aliases`` maps further strings to class names (e.g. Human3.6M's
    ``{'TakingPhoto': 'Photo', 'WalkingDog': 'WalkDog'}``).

    Args:
        class_names: labels in class-index order, or a set name
            (``'h36m'``: the 15 Human3.6M actions in table order;
            ``'synthetic'``: the six actions of the synthetic Human3.6M).
        aliases: extra string -> class name.

    Raises:
        ValueError: two class names with the same canonical form.
    """

    def __init__(self, class_names: Union[str, Sequence[str]],
                 aliases: Optional[Dict[str, str]] = None):
        self.names: Tuple[str, ...] = resolve_label_set(class_names)
        self._index: Dict[str, int] = {}
        for i, name in enumerate(self.names):
            key = canonical_label(name)
            if key in self._index:
                raise ValueError(
                    f'labels {self.names[self._index[key]]!r} and {name!r} '
                    'are the same class once case, spaces and underscores '
                    'are ignored; remove one')
            self._index[key] = i
        for alias, name in (aliases or {}).items():
            self._index[canonical_label(alias)] = self.index(name)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, label: str) -> bool:
        return canonical_label(label) in self._index

    def index(self, label: str) -> int:
        """Class index of ``label`` (``KeyError`` if unknown)."""
        key = canonical_label(label)
        if key not in self._index:
            sets = [name for name, labels in ACTION_LABEL_SETS.items()
                    if key in {canonical_label(x) for x in labels}]
            where = (f'; it is in the label set(s) {sets}: e.g. '
                     f"class_names='{sets[0]}' or '<current set>+{sets[0]}' "
                     '(config: model.class_names)' if sets else
                     '; add it to class_names')
            raise KeyError(
                f'action label {label!r} is not in the vocabulary '
                f'{list(self.names)}{where}, or set unknown_label="ignore"')
        return self._index[key]

    def encode(self, labels: Sequence[str], unknown: str = 'error',
               ignore_index: int = -100) -> np.ndarray:
        """(N,) int64 class indices of ``labels``.

        Args:
            labels: N action strings (e.g. ``meta['action']`` of a batch).
            unknown: ``'error'`` (raise on a label outside the vocabulary)
                or ``'ignore'`` (give it ``ignore_index``).
            ignore_index: index of ignored labels.
        """
        if unknown not in ('error', 'ignore'):
            raise ValueError(f"unknown must be 'error' or 'ignore', got "
                             f'{unknown!r}')
        if isinstance(labels, str):
            labels = [labels]
        out = np.empty(len(labels), np.int64)
        for i, label in enumerate(labels):
            key = canonical_label(str(label))
            if key in self._index:
                out[i] = self._index[key]
            elif unknown == 'ignore':
                out[i] = ignore_index
            else:
                self.index(str(label))  # raises with the explanation
        return out

    def __repr__(self) -> str:
        return f'ActionVocabulary({list(self.names)})'
