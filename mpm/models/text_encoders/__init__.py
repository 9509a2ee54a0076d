"""Frozen text encoders (TEXT_ENCODERS): action-label embeddings for
ActionPose pre-training.

Every encoder maps a list of K labels to a (K, D) float32 array, computed
once per label set and cached in memory (and on disk with ``cache_dir``):

- :class:`SentenceTransformerEncoder`: a local sentence-transformers model
  (optional dependency, ``pip install -e '.[text]'``);
- :class:`PrecomputedTextEncoder`: vectors read from a .json / .npz file
  (``tools/misc/make_text_embeddings.py`` writes one);
- :class:`ShippedTextEncoder`: the MiniLM embeddings of every label set mpm
  knows, shipped in the package (no extra install), with the real encoder
  as fallback for other labels;
- :class:`HashingTextEncoder`: deterministic character n-gram hashing, no
  dependency (demo and tests).

Labels become sentences in one place, :func:`action_sentence`.
"""
from .base import BaseTextEncoder, humanize_label
from .hashing import HashingTextEncoder
from .precomputed import PrecomputedTextEncoder, load_embedding_file
from .sentence_transformer import (SentenceTransformerEncoder,
                                   find_packaged_model, resolve_model_path)
from .sentences import action_sentence, action_sentences
from .shipped import (SHIPPED_FILE, SHIPPED_LABEL_SETS, ShippedTextEncoder,
                      label_text_sha256, read_sentence_embeddings,
                      write_sentence_embeddings)

__all__ = [
    'BaseTextEncoder', 'humanize_label', 'HashingTextEncoder',
    'PrecomputedTextEncoder', 'load_embedding_file',
    'SentenceTransformerEncoder', 'find_packaged_model',
    'resolve_model_path', 'action_sentence', 'action_sentences',
    'SHIPPED_FILE', 'SHIPPED_LABEL_SETS', 'ShippedTextEncoder',
    'label_text_sha256', 'read_sentence_embeddings',
    'write_sentence_embeddings'
]
