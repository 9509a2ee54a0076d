"""Base class of the frozen text encoders: caching of label embeddings."""
import hashlib
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mpm.utils.fileio import atomic_write

#: File name pattern of the on-disk cache: ``text_emb_<hash>.npz``.
CACHE_PATTERN = 'text_emb_{}.npz'


def humanize_label(label: str) -> str:
    """Readable words of an action label, for a sentence encoder.

    ``'SittingDown' -> 'sitting down'``, ``'WalkDog' -> 'walk dog'``,
    ``'walk_dog' -> 'walk dog'``, ``'raise right arm' -> 'raise right arm'``.
    """
    words, current = [], ''
    for i, ch in enumerate(label):
        if ch in ' _-/':
            if current:
                words.append(current)
            current = ''
            continue
        starts_word = (ch.isupper() and current and
                       (not current[-1].isupper() or
                        (i + 1 < len(label) and label[i + 1].islower())))
        if starts_word:
            words.append(current)
            current = ''
        current += ch
    if current:
        words.append(current)
    return ' '.join(w.lower() for w in words)


def check_embeddings(embeddings: np.ndarray, labels: Sequence[str],
                     source: str) -> np.ndarray:
    """Validate a (K, D) finite float array for K labels; return float32."""
    embeddings = np.asarray(embeddings)
    if embeddings.ndim != 2 or embeddings.shape[0] != len(labels):
        raise ValueError(
            f'{source}: expected a ({len(labels)}, D) array of embeddings '
            f'for {len(labels)} labels, got shape {embeddings.shape}')
    if not np.isfinite(embeddings).all():
        raise ValueError(f'{source}: embeddings contain NaN or inf')
    return embeddings.astype(np.float32)


class BaseTextEncoder:
    """A frozen text encoder: action labels -> (K, D) float32 embeddings.

    Not an ``nn.Module``: its weights are never trained and never part of a
    model's state dict. Subclasses implement :meth:`compute` (the actual
    encoding) and :attr:`model_id` (what identifies the embeddings: model
    name and options).

    :meth:`encode` computes the embeddings of a label set once and caches
    them in memory (keyed by the label tuple) and, with ``cache_dir``, on
    disk in ``cache_dir/text_emb_<hash>.npz`` where the hash is the SHA-256
    of the model id and the labels (:meth:`cache_key`): a second encoder
    with the same model and labels reads the file instead of loading the
    model.

    Args:
        cache_dir: folder of the on-disk cache (None: memory only).
    """

    def __init__(self, cache_dir: Optional[str] = None):
        self.cache_dir = cache_dir
        self._memory: Dict[Tuple[str, ...], np.ndarray] = {}
        #: Number of :meth:`compute` calls (what the caches save).
        self.num_computed = 0

    @property
    def model_id(self) -> str:
        """Identifies the embeddings (model name / file and options)."""
        raise NotImplementedError

    def compute(self, labels: Sequence[str]) -> np.ndarray:
        """Encode ``labels`` (K strings) -> (K, D) array. No caching."""
        raise NotImplementedError

    # ------------------------------------------------------------------
    def cache_key(self, labels: Sequence[str]) -> str:
        """SHA-256 hex digest (first 20 characters) of model id + labels."""
        payload = json.dumps({'model': self.model_id, 'labels': list(labels)},
                             sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(payload.encode('utf-8')).hexdigest()[:20]

    def cache_path(self, labels: Sequence[str]) -> Optional[str]:
        """Path of the on-disk cache file of ``labels`` (None: no disk
        cache)."""
        if self.cache_dir is None:
            return None
        return osp.join(self.cache_dir,
                        CACHE_PATTERN.format(self.cache_key(labels)))

    def encode(self, labels: Sequence[str]) -> np.ndarray:
        """Embeddings of ``labels``, (K, D) float32, computed at most once.

        Order: memory cache, then disk cache, then :meth:`compute` (whose
        result is stored in both). The returned array is a copy.
        """
        labels = self._check_labels(labels)
        key = tuple(labels)
        if key not in self._memory:
            embeddings = self._read_cache(labels)
            if embeddings is None:
                embeddings = check_embeddings(
                    self.compute(list(labels)), labels,
                    f'{type(self).__name__} ({self.model_id})')
                self.num_computed += 1
                self._write_cache(labels, embeddings)
            self._memory[key] = embeddings
        return self._memory[key].copy()

    def embedding_dict(self, labels: Sequence[str]) -> Dict[str, np.ndarray]:
        """``{label: (D,) vector}`` of ``labels``."""
        embeddings = self.encode(labels)
        return {label: embeddings[i] for i, label in enumerate(labels)}

    # ------------------------------------------------------------------
    @staticmethod
    def _check_labels(labels: Sequence[str]) -> Tuple[str, ...]:
        if isinstance(labels, str):
            raise ValueError(f'encode expects a list of labels, got the '
                             f'string {labels!r}; wrap it in a list')
        labels = tuple(labels)
        if not labels or not all(isinstance(x, str) for x in labels):
            raise ValueError(f'encode expects a non-empty list of strings, '
                             f'got {labels!r}')
        return labels

    def _read_cache(self, labels: Sequence[str]) -> Optional[np.ndarray]:
        path = self.cache_path(labels)
        if path is None or not osp.isfile(path):
            return None
        with np.load(path, allow_pickle=False) as data:
            stored = [str(x) for x in data['labels']]
            if stored != list(labels) or str(data['model_id']) != \
                    self.model_id:
                raise ValueError(
                    f'text-embedding cache {path} holds other labels or '
                    f'another model than {self.model_id!r}; delete the file')
            return check_embeddings(data['embeddings'], labels, path)

    def _write_cache(self, labels: Sequence[str],
                     embeddings: np.ndarray) -> None:
        path = self.cache_path(labels)
        if path is None:
            return
        atomic_write(path, lambda f: np.savez(
            f, labels=np.array(labels), embeddings=embeddings,
            model_id=np.array(self.model_id)))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(model_id={self.model_id!r}, '
                f'cache_dir={self.cache_dir!r})')
