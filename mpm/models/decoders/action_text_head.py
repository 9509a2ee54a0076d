"""Action recognition and motion-text alignment on pooled trunk tokens
(ActionPose, arXiv 2409.00449), as one part any pre-training can carry."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mpm.registry import DECODERS, LOSSES, TEXT_ENCODERS
from mpm.utils.action_labels import (ActionVocabulary, canonical_label,
                                     resolve_label_set)


def masked_mean(tokens: torch.Tensor,
                valid: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean over time of (B, T, C) tokens, over the ``valid`` (B, T) bool
    frames only when given -> (B, C)."""
    if valid is None:
        return tokens.mean(dim=1)
    w = valid.to(tokens.dtype).unsqueeze(-1)
    return (tokens * w).sum(dim=1) / w.sum(dim=1).clamp(min=1)


def derangement(k: int, seed: int) -> torch.Tensor:
    """(k,) long permutation of ``0..k-1`` with no fixed point, the first
    one ``np.random.default_rng(seed)`` draws (k >= 2)."""
    if k < 2:
        raise ValueError(f'shuffling text embeddings needs at least 2 '
                         f'classes, got {k}')
    rng = np.random.default_rng(seed)
    while True:
        perm = rng.permutation(k)
        if not (perm == np.arange(k)).any():
            return torch.from_numpy(perm).long()


@DECODERS.register_module()
class ActionTextHead(nn.Module):
    """Action supervision of a motion embedding pooled from trunk tokens.

    1. :meth:`embed`: the motion embedding = LayerNorm of the trunk tokens
       (B, T', C) averaged over the frames that were not entirely hidden,
       (B, C);
    2. action recognition: ``action_head`` (Dropout + Linear C -> K) on it,
       ``loss_action = lambda_action * CE`` with each sample's class
       (:class:`ActionVocabulary` of ``class_names``, K classes);
    3. motion-text alignment: ``text_proj`` (Linear, GELU, Linear C -> D)
       of the embedding against the frozen text embeddings (K, D) of the
       class labels from ``text_encoder`` (computed once at construction, a
       non-persistent buffer): ``loss_align = lambda_align *
       InfoNCELoss`` (symmetric, learnable temperature) with every sample's
       own class as its positive; the other classes are the negatives of
       the motion -> text direction, the other samples of the batch (except
       those of the same class) those of text -> motion.

    4. zero-shot recognition (``zero_shot_labels``): labels kept out of the
       classes (windows that carry one are ignored by both losses) whose
       real text embeddings (K0, D) are ranked by cosine similarity to the
       aligned embedding at test time (``zero_shot_logits`` (B, K0)): does
       the alignment carry the meaning of a sentence it never trained on?

    ``ActionPosePretrain`` carries it on its 2D -> 3D lifting,
    ``MaskedPoseModeling(action_text=...)`` on MPM's masked 2D and 3D
    modeling; stage II never loads it.

    Args:
        in_channels: C, the trunk's token width.
        class_names: action labels in class order, or a label-set name
            (``'h36m'``, ``'synthetic'``, ``'synthetic+corpus'``, ...).
        text_encoder: ``TEXT_ENCODERS`` config (None: no alignment).
        align_loss: contrastive loss config (``InfoNCELoss``).
        lambda_action, lambda_align: loss weights.
        proj_dim: output size of ``text_proj``; must equal the text
            embedding size D (default: D).
        head_dropout: dropout before ``action_head``.
        label_aliases: extra label -> class name mapping.
        unknown_label: ``'error'`` or ``'ignore'`` for labels outside
            ``class_names``.
        shuffle_text_embeddings: ablation: give each class the text
            embedding of another class (a fixed derangement drawn from
            ``shuffle_seed``: the same K vectors, none at its own label), so
            alignment keeps the label identity but loses the meaning.
        shuffle_seed: seed of that derangement.
        zero_shot_labels: labels removed from ``class_names`` (or not in
            it) and never trained on, for zero-shot recognition (needs a
            ``text_encoder``; their embeddings are never shuffled).
    """

    def __init__(self, in_channels: int,
                 class_names: Union[str, Sequence[str]],
                 text_encoder: Optional[dict] = None,
                 align_loss: dict = dict(type='InfoNCELoss'),
                 lambda_action: float = 0.1, lambda_align: float = 0.1,
                 proj_dim: Optional[int] = None, head_dropout: float = 0.1,
                 label_aliases: Optional[Dict[str, str]] = None,
                 unknown_label: str = 'error',
                 shuffle_text_embeddings: bool = False,
                 shuffle_seed: int = 0,
                 zero_shot_labels: Optional[Sequence[str]] = None):
        super().__init__()
        if unknown_label not in ('error', 'ignore'):
            raise ValueError(f"unknown_label must be 'error' or 'ignore', "
                             f'got {unknown_label!r}')
        if isinstance(zero_shot_labels, str):
            raise ValueError('zero_shot_labels must be a list of labels, '
                             f'got the string {zero_shot_labels!r}')
        self.zero_shot_names = tuple(
            str(x) for x in (zero_shot_labels or ()))
        self._zero_shot_keys = frozenset(
            canonical_label(x) for x in self.zero_shot_names)
        names = tuple(n for n in resolve_label_set(class_names)
                      if canonical_label(n) not in self._zero_shot_keys)
        if not names:
            raise ValueError('every class is a zero_shot_label: keep at '
                             'least one class to train on')
        self.vocabulary = ActionVocabulary(names, label_aliases)
        self.pool_norm = nn.LayerNorm(in_channels)
        num_classes = len(self.vocabulary)
        self.action_head = nn.Sequential(nn.Dropout(head_dropout),
                                         nn.Linear(in_channels, num_classes))
        self.text_proj = self.align_loss = None
        self.text_permutation = None
        self.text_encoder_id = None
        if text_encoder is not None:
            encoder = TEXT_ENCODERS.build(text_encoder)
            self.text_encoder_id = encoder.model_id
            embeddings = torch.from_numpy(
                encoder.encode(list(self.vocabulary.names)))
            if shuffle_text_embeddings:
                self.text_permutation = derangement(len(embeddings),
                                                    shuffle_seed)
                embeddings = embeddings[self.text_permutation]
            dim = embeddings.shape[1]
            if proj_dim is not None and proj_dim != dim:
                raise ValueError(
                    f'proj_dim={proj_dim} differs from the text embedding '
                    f'size {dim} of {self.text_encoder_id}; drop proj_dim')
            self.register_buffer('text_embeddings', embeddings,
                                 persistent=False)
            if self.zero_shot_names:
                self.register_buffer(
                    'zero_shot_embeddings',
                    torch.from_numpy(encoder.encode(
                        list(self.zero_shot_names))),
                    persistent=False)
            self.text_proj = nn.Sequential(
                nn.Linear(in_channels, in_channels), nn.GELU(),
                nn.Linear(in_channels, dim))
            self.align_loss = LOSSES.build(align_loss)
        elif shuffle_text_embeddings:
            raise ValueError('shuffle_text_embeddings needs a text_encoder')
        elif self.zero_shot_names:
            raise ValueError('zero_shot_labels are recognised by their text '
                             'embeddings: they need a text_encoder config')
        elif lambda_align:
            raise ValueError('lambda_align > 0 needs a text_encoder config '
                             '(e.g. PrecomputedTextEncoder); set '
                             'lambda_align=0 to pre-train without it')
        self.lambda_action = lambda_action
        self.lambda_align = lambda_align
        self.unknown_label = unknown_label

    @property
    def class_names(self) -> tuple:
        """Action labels in class-index order."""
        return self.vocabulary.names

    def labels_of(self, data_samples: Optional[dict],
                  device: torch.device) -> Optional[torch.Tensor]:
        """(B,) long class indices of ``meta['action']`` (-100 = ignored),
        or None when the batch has no action labels."""
        meta = (data_samples or {}).get('meta') or {}
        actions = meta.get('action') if isinstance(meta, dict) else None
        if actions is None:
            return None
        actions = [str(a) for a in actions]
        held = np.array([canonical_label(a) in self._zero_shot_keys
                         for a in actions], bool)
        index = np.full(len(actions), -100, np.int64)
        index[~held] = self.vocabulary.encode(
            [a for a, h in zip(actions, held) if not h], self.unknown_label)
        return torch.from_numpy(index).to(device)

    def embed(self, tokens: torch.Tensor,
              valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Trunk tokens (B, T', C), ``valid`` (B, T') bool frames (None:
        all) -> motion embedding (B, C)."""
        return self.pool_norm(masked_mean(tokens, valid))

    def forward(self, embedding: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Motion embedding (B, C) -> ``action_logits`` (B, K) and, with a
        text encoder, ``aligned_embedding`` (B, D) and ``text_logits`` (B, K)
        (scaled cosine similarity to every class text); with
        ``zero_shot_labels``, ``zero_shot_logits`` (B, K0) as well."""
        out = dict(action_logits=self.action_head(embedding))
        if self.text_proj is not None:
            aligned = self.text_proj(embedding)
            out['aligned_embedding'] = aligned
            out['text_logits'] = self.align_loss.logits(
                aligned, self.text_embeddings.to(aligned.dtype))
            if self.zero_shot_names:
                out['zero_shot_logits'] = self.align_loss.logits(
                    aligned, self.zero_shot_embeddings.to(aligned.dtype))
        return out

    def loss(self, out: Dict[str, torch.Tensor], labels: torch.Tensor,
             suffix: str = '') -> Dict[str, torch.Tensor]:
        """Weighted ``loss_action`` and ``loss_align`` (plus the logged
        ``acc_action`` and ``logit_scale``) of :meth:`forward`'s ``out`` for
        (B,) ``labels`` (-100 = ignored); ``suffix`` is appended to every
        key. No known label: an empty dict."""
        valid = labels >= 0
        if not valid.any():
            return {}
        target = labels[valid]
        logits = out['action_logits'][valid]
        losses = {
            'loss_action' + suffix:
            self.lambda_action * F.cross_entropy(logits, target),
            'acc_action' + suffix:
            (logits.argmax(-1) == target).float().mean().detach()}
        if self.text_proj is not None:
            positives = F.one_hot(target, len(self.vocabulary)).bool()
            losses['loss_align' + suffix] = self.lambda_align * \
                self.align_loss(out['aligned_embedding'][valid],
                                self.text_embeddings.to(logits.dtype),
                                positives)
            losses['logit_scale'] = self.align_loss.logit_scale.detach()
        return losses
