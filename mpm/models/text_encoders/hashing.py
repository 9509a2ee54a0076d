"""A dependency-free, deterministic stand-in text encoder (demos, tests)."""
import hashlib
from typing import Optional, Sequence

import numpy as np

from mpm.registry import TEXT_ENCODERS
from .base import BaseTextEncoder, humanize_label


def _bucket(token: str, dim: int):
    digest = hashlib.blake2b(token.encode('utf-8'), digest_size=8).digest()
    value = int.from_bytes(digest, 'little')
    return value % dim, 1.0 if (value >> 63) & 1 else -1.0


@TEXT_ENCODERS.register_module()
class HashingTextEncoder(BaseTextEncoder):
    """Character n-gram hashing: label -> (D,) unit vector.

    The words of a label (``humanize_label``) padded with spaces are cut
    into character n-grams; each n-gram adds +-1 to the coordinate its
    BLAKE2b hash picks (the sign is another bit of the hash); the vector is
    L2-normalised. Labels sharing words or stems ("walk dog" / "walking")
    get similar vectors; there is no semantics beyond spelling. The same
    labels give the same vectors on every machine (no RNG, no model file):
    used for the demo embedding file and in tests, where a real sentence
    encoder is not installed.

    Args:
        dim: embedding size D.
        ngram: n-gram length.
        cache_dir: on-disk cache (see :class:`BaseTextEncoder`).

    Output: (K, D) float32, unit rows.
    """

    def __init__(self, dim: int = 64, ngram: int = 3,
                 cache_dir: Optional[str] = None):
        super().__init__(cache_dir)
        if dim < 2 or ngram < 1:
            raise ValueError(f'HashingTextEncoder: need dim >= 2 and ngram '
                             f'>= 1, got dim={dim}, ngram={ngram}')
        self.dim = dim
        self.ngram = ngram

    @property
    def model_id(self) -> str:
        return f'hashing:dim={self.dim}|ngram={self.ngram}'

    def compute(self, labels: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(labels), self.dim), np.float64)
        for row, label in enumerate(labels):
            text = f' {humanize_label(label)} '
            n = min(self.ngram, len(text))
            for i in range(len(text) - n + 1):
                index, sign = _bucket(text[i:i + n], self.dim)
                out[row, index] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)
