"""ActionPose pre-training: masked, noisy 2D -> 3D with action supervision
and motion-text alignment (arXiv 2409.00449)."""
from typing import Dict, List, Optional, Sequence, Union

import torch

from mpm.models.augmentations import DetectorNoise  # noqa: F401 (registers)
from mpm.models.decoders.action_text_head import (  # noqa: F401 (old path)
    ActionTextHead, derangement, masked_mean)
from mpm.models.maskers import build_masker
from mpm.models.utils import (encode_masked, new_mask_vector, seen_frames,
                              split_batch_meta, trunk_width, zero_root)
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
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
    4-6. ``action_text`` (:class:`ActionTextHead`, built from the
       arguments below): the motion embedding = LayerNorm of the trunk
       tokens averaged over the frames that are not entirely hidden, (B, C);
       action recognition on it (``loss_action = lambda_action * CE`` with
       the class of ``meta['action']``); alignment of its projection with
       the frozen text embeddings (K, D) of the class labels (``loss_align
       = lambda_align * InfoNCELoss``).

    Samples whose label is unknown (``unknown_label='ignore'``) or batches
    without ``meta['action']`` skip steps 5-6; batches without
    ``keypoints_3d`` skip step 3.

    Submodule names: ``encoder`` and ``trunk`` as in ``PoseLifter``, so
    stage II (``PretrainedParts`` init, key map ``encoder.`` / ``trunk.``)
    fine-tunes them without labels; the rest is pre-training only.
    Checkpoints written before the head was its own part (``pool_norm.``,
    ``action_head.``, ``text_proj.``, ``align_loss.`` at the top level)
    load as they are.

    Args:
        encoder: 2D pose encoder config. trunk: ``PoseTrunk`` config.
        decoder: ``MaskedPoseDecoder`` config with ``out_channels=3``.
        class_names, text_encoder, align_loss, lambda_action,
            lambda_align, proj_dim, head_dropout, label_aliases,
            unknown_label, shuffle_text_embeddings, shuffle_seed,
            zero_shot_labels: the :class:`ActionTextHead`'s arguments
            (``shuffle_text_embeddings`` is the ablation that keeps the
            label identity but loses the meaning; ``zero_shot_labels`` are
            never trained on and recognised by text similarity at test
            time, ``configs/demo/actionpose_zero_shot.py``).
        masker: masker config (:data:`DEFAULT_MASKER`).
        test_masker: masker used outside training mode (``'tensor'`` /
            ``'predict'`` of an eval-mode model), e.g. ``NoMasker`` to
            recognise actions from whole windows; None: ``masker``.
        noise: noise module config (``DetectorNoise``); None: clean input.
        loss: per-joint 3D loss config (``MPJPELoss``).
        lambda_recon: weight of the 3D reconstruction loss.
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
        text; without text encoder: absent), ``zero_shot_logits`` (B, K0)
        (with ``zero_shot_labels``). Noise only in training mode;
      - ``'predict'``: B dicts with ``pred_keypoints_3d`` (T, J, 3) metres
        (root zeroed), ``mask_2d``, ``pred_action`` (label of the largest
        logit), ``pred_action_text`` (closest label text),
        ``pred_action_zero_shot`` (closest zero-shot label text, with
        ``zero_shot_labels``) and the meta.
    """

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 class_names: Union[str, Sequence[str]],
                 text_encoder: Optional[dict] = None,
                 masker: dict = DEFAULT_MASKER,
                 test_masker: Optional[dict] = None,
                 noise: Optional[dict] = dict(type='DetectorNoise'),
                 loss: dict = dict(type='MPJPELoss'),
                 align_loss: dict = dict(type='InfoNCELoss'),
                 lambda_recon: float = 1.0, lambda_action: float = 0.1,
                 lambda_align: float = 0.1,
                 proj_dim: Optional[int] = None, head_dropout: float = 0.1,
                 label_aliases: Optional[Dict[str, str]] = None,
                 unknown_label: str = 'error',
                 shuffle_text_embeddings: bool = False, shuffle_seed: int = 0,
                 zero_shot_labels: Optional[Sequence[str]] = None,
                 noise_datasets: Optional[Sequence[str]] = None,
                 drop_frames: bool = True,
                 root_index: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.encoder = ENCODERS.build(encoder)
        self.trunk = TRUNKS.build(trunk)
        self.decoder = DECODERS.build(decoder)
        if getattr(self.decoder, 'out_channels', 3) != 3:
            raise ValueError('ActionPosePretrain reconstructs 3D poses: the '
                             'decoder needs out_channels=3, got '
                             f'{self.decoder.out_channels}')
        self.masker = build_masker(masker)
        self.test_masker = (build_masker(test_masker)
                            if test_masker is not None else None)
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
        width = trunk_width(self.encoder, self.trunk,
                            self.decoder.num_frames)
        self.action_text = ActionTextHead(
            in_channels=width, class_names=class_names,
            text_encoder=text_encoder, align_loss=align_loss,
            lambda_action=lambda_action, lambda_align=lambda_align,
            proj_dim=proj_dim, head_dropout=head_dropout,
            label_aliases=label_aliases, unknown_label=unknown_label,
            shuffle_text_embeddings=shuffle_text_embeddings,
            shuffle_seed=shuffle_seed, zero_shot_labels=zero_shot_labels)
        self.loss_fn = LOSSES.build(loss)
        self.lambda_recon = lambda_recon
        self.drop_frames = drop_frames
        self.root_index = self._skeleton_arg('root_index', root_index, 0)

    # ------------------------------------------------------------------
    #: Top-level names of the head's parts before it was ``action_text``.
    LEGACY_HEAD_PARTS = ('pool_norm.', 'action_head.', 'text_proj.',
                         'align_loss.')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for key in [k for k in state_dict if k.startswith(prefix)]:
            rest = key[len(prefix):]
            if rest.startswith(self.LEGACY_HEAD_PARTS):
                state_dict[f'{prefix}action_text.{rest}'] = \
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def vocabulary(self):
        """The head's :class:`ActionVocabulary`."""
        return self.action_text.vocabulary

    @property
    def class_names(self) -> tuple:
        """Action labels in class-index order."""
        return self.action_text.class_names

    @property
    def text_embeddings(self) -> torch.Tensor:
        """(K, D) frozen text embeddings of the classes (as aligned to)."""
        return self.action_text.text_embeddings

    @property
    def text_permutation(self) -> Optional[torch.Tensor]:
        """The shuffling derangement (None: not shuffled)."""
        return self.action_text.text_permutation

    @property
    def text_encoder_id(self) -> Optional[str]:
        """Model id of the text encoder (None: no alignment)."""
        return self.action_text.text_encoder_id

    @property
    def text_proj(self):
        """The head's projection to the text space (None: no alignment)."""
        return self.action_text.text_proj

    def labels_of(self, data_samples: Optional[dict],
                  device: torch.device) -> Optional[torch.Tensor]:
        """(B,) long class indices of ``meta['action']`` (-100 = ignored),
        or None when the batch has no action labels."""
        return self.action_text.labels_of(data_samples, device)

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
        return dict(recon_3d=self.decoder(tokens, visible_index),
                    motion_embedding=self.action_text.embed(
                        tokens, seen_frames(mask, visible_index)))

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
        masker = self.masker if self.training or self.test_masker is None \
            else self.test_masker
        mask = masker(x)
        out = self.embed(x, mask)
        out['mask_2d'] = mask
        out.update(self.action_text(out['motion_embedding']))
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
        if labels is not None:
            losses.update(self.action_text.loss(out, labels))
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
        zero_shot = (out['zero_shot_logits'].argmax(-1).tolist()
                     if 'zero_shot_logits' in out else None)
        zero_shot_names = self.action_text.zero_shot_names
        for i, result in enumerate(results):
            result['pred_keypoints_3d'] = recon[i].cpu()
            result['mask_2d'] = out['mask_2d'][i].cpu()
            result['pred_action'] = self.class_names[action[i]]
            if text is not None:
                result['pred_action_text'] = self.class_names[text[i]]
            if zero_shot is not None:
                result['pred_action_zero_shot'] = \
                    zero_shot_names[zero_shot[i]]
        return results

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._tensor(inputs, data_samples)
