"""ActionPose pre-training: masked, noisy 2D -> 3D with action supervision
and motion-text alignment (arXiv 2409.00449)."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mpm.utils.action_labels import ActionVocabulary
from mpm.models.augmentations import DetectorNoise  # noqa: F401 (registers)
from mpm.models.maskers import build_masker
from mpm.models.utils import (encode_masked, new_mask_vector, split_batch_meta,
                              zero_root)
from mpm.registry import (DECODERS, ENCODERS, LOSSES, MODELS, TEXT_ENCODERS,
                          TRUNKS)
from .base import PoseAlgorithm

#: ActionPose's default masking: per sample one of spatio-temporal joint
#: masking (MPM), whole body parts, or one contiguous time window.
DEFAULT_MASKER = dict(
    type='RandomChoiceMasker',
    maskers=[
        dict(type='SpatioTemporalMasker', num_joints=5, frame_ratio=0.6),
        dict(type='BodyPartMasker', num_parts=1),
        dict(type='TimeWindowMasker', frame_ratio=0.5),
    ])


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


@MODELS.register_module()
class ActionPosePretrain(PoseAlgorithm):
    """ActionPose pre-training objective.

    Per training batch (2D ``inputs`` (B, T, J, 2) normalised screen units,
    ``data_samples['keypoints_3d']`` (B, T, J, 3) root-relative metres,
    ``data_samples['meta']['action']``: B action strings):

    1. ``noise`` (``DetectorNoise``: per-joint jitter + occasional outliers)
       corrupts the clean 2D input (with ``noise_datasets``: only that of
       the samples from those sources);
    2. ``masker`` hides joints / body parts / time windows (hidden joints
       get the learnable ``mask_vector`` (2,)); ``encoder`` + ``trunk`` run
       on the visible frames (MAE style, :func:`encode_masked`);
    3. 3D reconstruction: ``decoder`` (``MaskedPoseDecoder`` with 3 output
       channels) predicts the 3D pose of every frame; ``loss_recon =
       lambda_recon * MPJPE`` (metres, root zeroed) against the ground
       truth;
    4. the motion embedding = LayerNorm of the trunk tokens averaged over
       the frames that are not entirely hidden, (B, C);
    5. action recognition: ``action_head`` (Dropout + Linear C -> K) on it,
       ``loss_action = lambda_action * CE`` with the class of
       ``meta['action']`` (:class:`ActionVocabulary` of ``class_names``);
    6. motion-text alignment: ``text_proj`` (Linear, GELU, Linear C -> D)
       of the motion embedding against the frozen text embeddings (K, D) of
       the class labels from ``text_encoder`` (computed once at
       construction, a non-persistent buffer): ``loss_align =
       lambda_align * InfoNCELoss`` (symmetric, learnable temperature) with
       every sample's own class as its positive; the other classes are the
       negatives of the motion -> text direction, the other samples of the
       batch (except those of the same class) those of text -> motion.

    Samples whose label is unknown (``unknown_label='ignore'``) or batches
    without ``meta['action']`` skip steps 5-6; batches without
    ``keypoints_3d`` skip step 3.

    Submodule names: ``encoder`` and ``trunk`` as in ``PoseLifter``, so
    stage II (``PretrainedParts`` init, key map ``encoder.`` / ``trunk.``)
    fine-tunes them without labels; the rest is pre-training only.

    Args:
        encoder: 2D pose encoder config. trunk: ``PoseTrunk`` config.
        decoder: ``MaskedPoseDecoder`` config with ``out_channels=3``.
        class_names: action labels in class order, or a label-set name
            (``'h36m'``, ``'synthetic'``).
        text_encoder: ``TEXT_ENCODERS`` config (None: no alignment).
        masker: masker config (:data:`DEFAULT_MASKER`).
        noise: noise module config (``DetectorNoise``); None: clean input.
        loss: per-joint 3D loss config (``MPJPELoss``).
        align_loss: contrastive loss config (``InfoNCELoss``).
        lambda_recon, lambda_action, lambda_align: loss weights.
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
        noise_datasets: names (``meta['dataset']``, as a
            ``MixtureDataset`` gives them) of the sources whose 2D is clean
            (projected motion capture) and gets the ``noise``; samples of
            other sources (2D that already comes from a detector) stay as
            they are. None: every sample is corrupted.
        drop_frames: drop hidden frames before the temporal trunk.
        root_index: root joint; None: the
            dataset's root (``set_dataset_meta``), joint 0 until then.

    Modes of ``forward(inputs, data_samples, mode)``:
      - ``'loss'``: ``loss_recon``, ``loss_action``, ``loss_align`` (weighted)
        and the logged ``acc_action``, ``logit_scale``;
      - ``'tensor'``: ``recon_3d`` (B, T, J, 3), ``mask_2d`` (B, T, J),
        ``motion_embedding`` (B, C), ``action_logits`` (B, K) and
        ``text_logits`` (B, K) (scaled cosine similarity to every class
        text; without text encoder: absent). Noise only in training mode;
      - ``'predict'``: B dicts with ``pred_keypoints_3d`` (T, J, 3) metres
        (root zeroed), ``mask_2d``, ``pred_action`` (label of the largest
        logit), ``pred_action_text`` (closest label text) and the meta.
    """

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 class_names: Union[str, Sequence[str]],
                 text_encoder: Optional[dict] = None,
                 masker: dict = DEFAULT_MASKER,
                 noise: Optional[dict] = dict(type='DetectorNoise'),
                 loss: dict = dict(type='MPJPELoss'),
                 align_loss: dict = dict(type='InfoNCELoss'),
                 lambda_recon: float = 1.0, lambda_action: float = 0.1,
                 lambda_align: float = 0.1,
                 proj_dim: Optional[int] = None, head_dropout: float = 0.1,
                 label_aliases: Optional[Dict[str, str]] = None,
                 unknown_label: str = 'error',
                 shuffle_text_embeddings: bool = False, shuffle_seed: int = 0,
                 noise_datasets: Optional[Sequence[str]] = None,
                 drop_frames: bool = True,
                 root_index: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if unknown_label not in ('error', 'ignore'):
            raise ValueError(f"unknown_label must be 'error' or 'ignore', "
                             f'got {unknown_label!r}')
        self.vocabulary = ActionVocabulary(class_names, label_aliases)
        self.encoder = ENCODERS.build(encoder)
        self.trunk = TRUNKS.build(trunk)
        self.decoder = DECODERS.build(decoder)
        if getattr(self.decoder, 'out_channels', 3) != 3:
            raise ValueError('ActionPosePretrain reconstructs 3D poses: the '
                             'decoder needs out_channels=3, got '
                             f'{self.decoder.out_channels}')
        self.masker = build_masker(masker)
        self.noise = MODELS.build(noise) if noise else None
        if noise_datasets is not None:
            if self.noise is None:
                raise ValueError('noise_datasets picks the samples that get '
                                 'the noise, but noise is None; set a noise '
                                 'config or drop noise_datasets')
            if isinstance(noise_datasets, str) or not all(
                    isinstance(n, str) for n in noise_datasets):
                raise ValueError('noise_datasets must be a list of dataset '
                                 "names (meta['dataset']), got "
                                 f'{noise_datasets!r}')
            noise_datasets = tuple(noise_datasets)
        self.noise_datasets = noise_datasets
        self.mask_vector = new_mask_vector(self.encoder.in_channels)
        width = self._trunk_width()
        self.pool_norm = nn.LayerNorm(width)
        num_classes = len(self.vocabulary)
        self.action_head = nn.Sequential(nn.Dropout(head_dropout),
                                         nn.Linear(width, num_classes))
        self.text_proj = self.align_loss = None
        self.text_permutation = None
        if text_encoder is not None:
            embeddings = self._text_embeddings(text_encoder)
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
            self.text_proj = nn.Sequential(nn.Linear(width, width),
                                           nn.GELU(), nn.Linear(width, dim))
            self.align_loss = LOSSES.build(align_loss)
        elif shuffle_text_embeddings:
            raise ValueError('shuffle_text_embeddings needs a text_encoder')
        elif lambda_align:
            raise ValueError('lambda_align > 0 needs a text_encoder config '
                             '(e.g. PrecomputedTextEncoder); set '
                             'lambda_align=0 to pre-train without it')
        self.loss_fn = LOSSES.build(loss)
        self.lambda_recon = lambda_recon
        self.lambda_action = lambda_action
        self.lambda_align = lambda_align
        self.unknown_label = unknown_label
        self.drop_frames = drop_frames
        self.root_index = self._skeleton_arg('root_index', root_index, 0)

    # ------------------------------------------------------------------
    def _trunk_width(self) -> int:
        """Channels C of the trunk tokens (a probe pass if not readable)."""
        pos_embed = getattr(getattr(self.trunk, 'temporal', None),
                            'pos_embed', None)
        if pos_embed is not None:
            return int(pos_embed.shape[-1])
        was = self.training
        self.eval()
        with torch.no_grad():
            probe = torch.zeros(1, self.decoder.num_frames,
                                self.encoder.num_joints,
                                self.encoder.in_channels)
            width = self.trunk(self.encoder(probe)).shape[-1]
        self.train(was)
        return int(width)

    def _text_embeddings(self, cfg: dict) -> torch.Tensor:
        encoder = TEXT_ENCODERS.build(cfg)
        self.text_encoder_id = encoder.model_id
        return torch.from_numpy(encoder.encode(list(self.vocabulary.names)))

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
        index = self.vocabulary.encode(list(actions), self.unknown_label)
        return torch.from_numpy(index).to(device)

    # ------------------------------------------------------------------
    def embed(self, x: torch.Tensor,
              mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Masked 2D poses -> 3D reconstruction and motion embedding.

        Shapes: x (B, T, J, 2) normalised screen units, mask (B, T, J) bool
        -> ``recon_3d`` (B, T, J, 3) metres (root not zeroed),
        ``motion_embedding`` (B, C).
        """
        tokens, visible_index = encode_masked(self.encoder, self.trunk, x,
                                              mask, self.mask_vector,
                                              self.drop_frames)
        seen = ~mask.all(dim=-1)  # (B, T) frames with a visible joint
        if visible_index is not None:
            seen = torch.gather(seen, 1, visible_index)
        pooled = self.pool_norm(masked_mean(tokens, seen))
        return dict(recon_3d=self.decoder(tokens, visible_index),
                    motion_embedding=pooled)

    def corrupt(self, x: torch.Tensor,
                data_samples: Optional[dict] = None) -> torch.Tensor:
        """Training-time ``noise`` on the (B, T, J, 2) inputs of the
        samples it is meant for (``noise_datasets``); eval mode or no noise:
        ``x`` unchanged."""
        if self.noise is None or not self.training:
            return x
        noisy = self.noise(x)
        if self.noise_datasets is None:
            return noisy
        meta = (data_samples or {}).get('meta') or {}
        names = meta.get('dataset') if isinstance(meta, dict) else None
        if names is None:
            raise ValueError(
                f'noise_datasets={list(self.noise_datasets)} picks the '
                "samples to corrupt by meta['dataset'], but the batch has "
                'none: train on a MixtureDataset (it names each source) or '
                'set noise_datasets=None to corrupt every sample')
        if len(names) != x.shape[0]:
            raise ValueError(f"meta['dataset'] has {len(names)} names for "
                             f'a batch of {x.shape[0]} samples')
        pick = torch.tensor([n in self.noise_datasets for n in names],
                            device=x.device)
        return torch.where(pick[:, None, None, None], noisy, x)

    def _run(self, inputs: torch.Tensor,
             data_samples: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        if inputs is None:
            raise ValueError('ActionPosePretrain needs 2D inputs (B, T, J, 2)'
                             ': the batch has no keypoints_2d')
        x = self.corrupt(inputs, data_samples)
        mask = self.masker(x)
        out = self.embed(x, mask)
        out['mask_2d'] = mask
        out['action_logits'] = self.action_head(out['motion_embedding'])
        if self.text_proj is not None:
            out['aligned_embedding'] = self.text_proj(out['motion_embedding'])
            out['text_logits'] = self.align_loss.logits(
                out['aligned_embedding'],
                self.text_embeddings.to(out['aligned_embedding'].dtype))
        return out

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        data_samples = data_samples or {}
        out = self._run(inputs, data_samples)
        losses = {}
        gt = data_samples.get('keypoints_3d')
        if gt is not None:
            losses['loss_recon'] = self.lambda_recon * self.loss_fn(
                zero_root(out['recon_3d'], self.root_index), gt)
        labels = self.labels_of(data_samples, inputs.device)
        if labels is not None and (labels >= 0).any():
            valid = labels >= 0
            target = labels[valid]
            logits = out['action_logits'][valid]
            losses['loss_action'] = self.lambda_action * F.cross_entropy(
                logits, target)
            losses['acc_action'] = (logits.argmax(-1) == target).float(
            ).mean().detach()
            if self.text_proj is not None:
                positives = F.one_hot(target, len(self.vocabulary)).bool()
                losses['loss_align'] = self.lambda_align * self.align_loss(
                    out['aligned_embedding'][valid],
                    self.text_embeddings.to(logits.dtype), positives)
                losses['logit_scale'] = \
                    self.align_loss.logit_scale.detach()
        if not any(k.startswith('loss') for k in losses):
            raise ValueError(
                'ActionPosePretrain: the batch has neither keypoints_3d nor '
                "known action labels (meta['action']): nothing to learn")
        return losses

    def _tensor(self, inputs: torch.Tensor,
                data_samples: Optional[dict] = None
                ) -> Dict[str, torch.Tensor]:
        out = self._run(inputs, data_samples)
        out.pop('aligned_embedding', None)
        return out

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[dict] = None) -> List[dict]:
        out = self._run(inputs, data_samples)
        results = split_batch_meta((data_samples or {}).get('meta'),
                                   inputs.shape[0])
        recon = zero_root(out['recon_3d'], self.root_index)
        action = out['action_logits'].argmax(-1).tolist()
        text = (out['text_logits'].argmax(-1).tolist()
                if 'text_logits' in out else None)
        for i, result in enumerate(results):
            result['pred_keypoints_3d'] = recon[i].cpu()
            result['mask_2d'] = out['mask_2d'][i].cpu()
            result['pred_action'] = self.class_names[action[i]]
            if text is not None:
                result['pred_action_text'] = self.class_names[text[i]]
        return results

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._tensor(inputs, data_samples)
