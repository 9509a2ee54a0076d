"""Text embeddings read from a file written beforehand."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from mpm.registry import TEXT_ENCODERS
from .base import BaseTextEncoder

#: Top-level key of a JSON embedding file that holds metadata, not a label.
META_KEY = '__meta__'

MAKE_HINT = ('write it with tools/misc/make_text_embeddings.py (see its '
             '--help)')


def load_embedding_file(path: str) -> Dict[str, np.ndarray]:
    """Read ``{label: (D,) float32 vector}`` from a .json or .npz file.

    Layouts:
      - .json: ``{"Walking": [0.1, ...], ..., "__meta__": {...}}`` (the
        optional ``__meta__`` entry records how the file was made);
      - .npz: arrays ``labels`` (K,) str and ``embeddings`` (K, D), or one
        (D,) array per label (the array name is the label).

    All vectors must have the same length D.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'text-embedding file {path} not found; '
                                f'{MAKE_HINT}')
    if path.endswith('.json'):
        with open(path) as f:
            raw = json.load(f)
        if not isinstance(raw, dict):
            raise ValueError(f'{path}: expected a JSON object {{label: '
                             f'[floats]}}, got {type(raw).__name__}')
        table = {k: v for k, v in raw.items() if k != META_KEY}
    elif path.endswith('.npz'):
        with np.load(path, allow_pickle=False) as data:
            if 'labels' in data.files and 'embeddings' in data.files:
                table = dict(zip((str(x) for x in data['labels']),
                                 data['embeddings']))
            else:
                table = {k: data[k] for k in data.files}
    else:
        raise ValueError(f'text-embedding file {path}: use a .json or .npz '
                         'file')
    out, dims = {}, set()
    for label, vector in table.items():
        try:
            vector = np.asarray(vector, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError(f'{path}: the embedding of {label!r} is not a '
                             'list of numbers') from None
        if vector.ndim != 1 or not np.isfinite(vector).all():
            raise ValueError(f'{path}: the embedding of {label!r} must be a '
                             f'finite 1D vector, got shape {vector.shape}')
        out[label] = vector
        dims.add(vector.shape[0])
    if not out:
        raise ValueError(f'{path} holds no embeddings; {MAKE_HINT}')
    if len(dims) != 1:
        raise ValueError(f'{path}: embeddings of different lengths '
                         f'{sorted(dims)}')
    return out


@TEXT_ENCODERS.register_module()
class PrecomputedTextEncoder(BaseTextEncoder):
    """Label embeddings looked up in a .json / .npz file
    (:func:`load_embedding_file`).

    The file is read once, at the first :meth:`encode`. A label missing from
    the file is an error that lists what the file has.

    Args:
        embedding_file: path of the file.
        cache_dir: see :class:`BaseTextEncoder` (rarely useful here).

    Output: (K, D) float32, the file's vectors as they are.
    """

    def __init__(self, embedding_file: str,
                 cache_dir: Optional[str] = None):
        super().__init__(cache_dir)
        self.embedding_file = embedding_file
        self._table: Optional[Dict[str, np.ndarray]] = None

    @property
    def model_id(self) -> str:
        return f'precomputed:{osp.abspath(self.embedding_file)}'

    @property
    def table(self) -> Dict[str, np.ndarray]:
        """``{label: vector}`` of the whole file."""
        if self._table is None:
            self._table = load_embedding_file(self.embedding_file)
        return self._table

    def compute(self, labels: Sequence[str]) -> np.ndarray:
        missing = [x for x in labels if x not in self.table]
        if missing:
            raise KeyError(
                f'{self.embedding_file} has no embedding for {missing}; it '
                f'has {sorted(self.table)}. Regenerate it with these labels: '
                f'{MAKE_HINT}')
        return np.stack([self.table[x] for x in labels])
