"""Stage I of MPM: masked 2D and 3D pose modeling with a shared trunk.

The masked-encoding helpers this algorithm shares with the others live in
:mod:`mpm.models.utils.masked_encoding`, the stage I -> stage II weight
transfer (``PretrainedParts``) in :mod:`mpm.models.pretrained_parts`; both
are re-exported here under their old names.
"""
from typing import Dict, List, Optional, Union

import torch
from torch import nn

from mpm.models.maskers import build_masker
from mpm.models.pretrained_parts import (  # noqa: F401 (old import path)
    STAGE1_TO_LIFTER, PretrainedPartsInit, load_pretrained_parts,
    map_state_dict)
from mpm.models.utils import (  # noqa: F401 (old import path)
    apply_mask_vector, encode_masked, gather_frames, new_mask_vector,
    seen_frames, split_batch_meta, trunk_width, visible_frame_index,
    zero_root)
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from .base import PoseAlgorithm

#: Old private name of :func:`mpm.models.utils.new_mask_vector`.
_mask_vector = new_mask_vector

MODALITY_SCHEDULES = ('alternate', 'both', 'mixed')


@MODELS.register_module()
class MaskedPoseModeling(PoseAlgorithm):
    """MPM stage I: reconstruct masked 2D and masked 3D pose sequences.

    Two branches share one trunk (spatial MLP + temporal transformer, the
    same classes and, under the same names, the same weights that stage II's
    ``PoseLifter`` uses):

    - 2D: ``masker_2d`` -> hidden joints := ``mask_vector_2d`` (2,) ->
      ``encoder`` (2D pose encoder) -> ``trunk`` on visible frames ->
      ``decoder_2d`` (mask tokens for the dropped frames, positional
      embedding, transformer block, head) -> (B, T, J, 2);
    - 3D: the same with ``masker_3d``, ``mask_vector_3d`` (3,),
      ``encoder_3d`` and ``decoder_3d`` -> (B, T, J, 3).

    Loss: ``lambda_m2m * L_m2m + lambda_m3m * L_m3m`` (2.0 and 3.0 in the
    paper; the public code uses 5 and 2), each the mean per-joint Euclidean
    error between the reconstruction and the unmasked input, over all frames
    and joints (``loss_on='all'``) or only the hidden joints
    (``loss_on='hidden'``). 2D in normalised screen units, 3D in
    root-relative metres.

    Which branch a training step runs (unpaired data):
      - a batch that carries only one modality (``inputs`` is None, or
        ``data_samples`` has no ``keypoints_3d``) runs that branch: 2D-only
        sources and 3D-only sources (AMASS) can feed the model as separate
        batches;
      - per-sample flags ``data_samples['has_2d']`` / ``['has_3d']`` (B,)
        bool restrict each branch to the samples that carry that modality
        (a batch mixing sources, with zeros in the missing arrays);
      - a batch with both runs, with ``modality_schedule='alternate'``
        (default), the 2D branch on even and the 3D branch on odd training
        calls of ``loss`` (counted by the ``num_paired_steps`` buffer, saved
        in the state dict), so 2D and 3D windows are used with the same
        frequency and never as pairs; ``'both'`` runs both
        branches on every batch; ``'mixed'`` (the official code's schedule)
        gives every window to exactly one branch: half of the paired windows
        (alternately, by position in the batch) go to the 2D branch as
        2D-only windows, the other half to the 3D branch as 3D-only windows,
        one-modality windows to their branch, and both losses are summed at
        every step. With Human3.6M the 3D windows are the dataset's
        root-relative camera-frame poses.
    The alternation leaves the other branch's parameters without gradient:
    DDP needs ``find_unused_parameters=True`` (set in the base config).

    Optional masked 2D -> 3D lifting pretext (MPM v1): with
    ``lift_pretext=True`` the 2D branch's trunk tokens also go through
    ``decoder_lift`` (3 output channels) and ``lambda_lift * MPJPE`` against
    the paired 3D window (root zeroed) is added; it needs paired batches.

    Optional action supervision (ActionPose's objectives on MPM's
    pretexts): with ``action_text`` (an ``ActionTextHead`` config; its
    ``in_channels`` defaults to the trunk width) every branch that runs
    also pools its trunk tokens over the frames with a visible joint into a
    motion embedding and adds the head's action-recognition and motion-text
    alignment losses for the samples' ``meta['action']`` labels, logged per
    branch (``loss_action_2d``, ``loss_align_2d``, ``acc_action_2d``, and
    ``_3d``); batches without labels skip them.

    Args:
        encoder_2d, encoder_3d: pose encoder configs (``encoder_3d=None``:
            2D-only pre-training).
        trunk: shared trunk config (``PoseTrunk``).
        decoder_2d, decoder_3d: ``MaskedPoseDecoder`` configs.
        masker_2d, masker_3d: masker configs (``MASKERS``).
        loss: per-joint loss config (``MPJPELoss``).
        lambda_m2m, lambda_m3m: loss weights.
        lift_pretext, decoder_lift, lambda_lift: the lifting pretext.
        modality_schedule: 'alternate', 'both' or 'mixed' (see above).
        action_text: ``ActionTextHead`` config, or None (no action
            supervision).
        loss_on: 'all' or 'hidden'.
        drop_frames: drop hidden frames before the temporal trunk.
        root_index: root joint (for the lifting pretext); None: the
            dataset's root (``set_dataset_meta``), joint 0 until then.

    Submodule names (what stage II loads): ``encoder`` (2D pose encoder,
    also reachable as ``encoder_2d``) and ``trunk``; the rest
    (``encoder_3d``, ``decoder_2d``, ``decoder_3d``, ``decoder_lift``,
    ``action_text``, ``mask_vector_2d``, ``mask_vector_3d``) is stage I
    only.

    Modes of ``forward(inputs, data_samples, mode)``, ``inputs`` (B, T, J, 2)
    normalised screen coordinates or None, ``data_samples['keypoints_3d']``
    (B, T, J, 3) root-relative metres:
      - ``'loss'``: dict with ``loss_m2m`` and/or ``loss_m3m`` (and
        ``loss_lift``, the action losses), already weighted;
      - ``'tensor'``: dict with ``recon_2d`` (B, T, J, 2), ``mask_2d``
        (B, T, J) and/or ``recon_3d``, ``mask_3d`` (and ``lift_3d``; with
        ``action_text``, ``action_logits_2d`` / ``_3d`` (B, K));
      - ``'predict'``: a list of B dicts with ``pred_keypoints_2d``,
        ``mask_2d``, ``pred_keypoints_3d``, ``mask_3d`` (per available
        modality; with ``action_text``, ``pred_action_2d`` / ``_3d``: the
        label of the largest logit) and the sample's meta.
    """

    def __init__(self, encoder_2d: dict, trunk: dict, decoder_2d: dict,
                 encoder_3d: Optional[dict] = None,
                 decoder_3d: Optional[dict] = None,
                 masker_2d: dict = dict(type='SpatioTemporalMasker',
                                        num_joints=5, frame_ratio=0.6),
                 masker_3d: dict = dict(type='SpatioTemporalMasker',
                                        num_joints=5, frame_ratio=0.6),
                 loss: dict = dict(type='MPJPELoss'),
                 lambda_m2m: float = 2.0, lambda_m3m: float = 3.0,
                 lift_pretext: bool = False,
                 decoder_lift: Optional[dict] = None,
                 lambda_lift: float = 1.0,
                 modality_schedule: str = 'alternate',
                 loss_on: str = 'all', drop_frames: bool = True,
                 action_text: Optional[dict] = None,
                 root_index: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if modality_schedule not in MODALITY_SCHEDULES:
            raise ValueError(
                f'modality_schedule must be one of {MODALITY_SCHEDULES}, '
                f"got '{modality_schedule}'")
        if loss_on not in ('all', 'hidden'):
            raise ValueError(f"loss_on must be 'all' or 'hidden', got "
                             f"'{loss_on}'")
        if (encoder_3d is None) != (decoder_3d is None):
            raise ValueError('encoder_3d and decoder_3d go together: give '
                             'both (2D + 3D pre-training) or neither '
                             '(2D-only pre-training)')
        if lift_pretext and decoder_lift is None:
            raise ValueError('lift_pretext=True needs a decoder_lift config '
                             '(a MaskedPoseDecoder with out_channels=3)')
        self.encoder = ENCODERS.build(encoder_2d)
        self.trunk = TRUNKS.build(trunk)
        self.decoder_2d = DECODERS.build(decoder_2d)
        self.masker_2d = build_masker(masker_2d)
        self.mask_vector_2d = new_mask_vector(self.encoder.in_channels)
        self.encoder_3d = self.decoder_3d = self.masker_3d = None
        self.mask_vector_3d = None
        if encoder_3d is not None:
            self.encoder_3d = ENCODERS.build(encoder_3d)
            self.decoder_3d = DECODERS.build(decoder_3d)
            self.masker_3d = build_masker(masker_3d)
            self.mask_vector_3d = new_mask_vector(self.encoder_3d.in_channels)
        self.decoder_lift = (DECODERS.build(decoder_lift)
                             if lift_pretext else None)
        self.loss_fn = LOSSES.build(loss)
        self.lambda_m2m = lambda_m2m
        self.lambda_m3m = lambda_m3m
        self.lift_pretext = lift_pretext
        self.lambda_lift = lambda_lift
        self.modality_schedule = modality_schedule
        self.loss_on = loss_on
        self.drop_frames = drop_frames
        self.root_index = self._skeleton_arg('root_index', root_index, 0)
        #: Training calls of ``loss`` on batches with both modalities (the
        #: 2D/3D alternation's position): model state, saved in the state
        #: dict, so ``--resume`` continues the alternation where it stopped.
        self.register_buffer('num_paired_steps',
                             torch.zeros((), dtype=torch.long))
        # Built last, so that the other parts start from the same random
        # weights with or without it.
        self.action_text = None
        if action_text is not None:
            head = dict(action_text)
            head.setdefault('in_channels', trunk_width(
                self.encoder, self.trunk, self.decoder_2d.num_frames))
            self.action_text = DECODERS.build(head)

    @property
    def encoder_2d(self) -> nn.Module:
        """The 2D pose encoder (stored as ``encoder`` for stage II)."""
        return self.encoder

    #: State-dict names of the former ``PSTMOPretrain`` class (a 2D-only
    #: model with other part names) -> the names here; its checkpoints load.
    LEGACY_KEYS = {'decoder.': 'decoder_2d.', 'mask_vector': 'mask_vector_2d'}

    @classmethod
    def rename_legacy_key(cls, key: str) -> str:
        """``'decoder.x'`` -> ``'decoder_2d.x'``, ``'mask_vector'`` ->
        ``'mask_vector_2d'``; other keys unchanged."""
        for old, new in cls.LEGACY_KEYS.items():
            if key == old or (old.endswith('.') and key.startswith(old)):
                return new + key[len(old):]
        return key

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for key in [k for k in state_dict if k.startswith(prefix)]:
            renamed = prefix + self.rename_legacy_key(key[len(prefix):])
            if renamed != key and renamed not in state_dict:
                state_dict[renamed] = state_dict.pop(key)
        # Checkpoints written before the counter was a buffer lack it: the
        # model keeps its own value (0 when fresh; ``ResumeStateHook``
        # restores such a checkpoint's saved counter on ``--resume``).
        state_dict.setdefault(prefix + 'num_paired_steps',
                              self.num_paired_steps.detach().clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------------
    def reconstruct(self, x: torch.Tensor, mask: torch.Tensor,
                    modality: str = '2d') -> Dict[str, torch.Tensor]:
        """Run one branch on poses ``x`` with a given ``mask``.

        Args:
            x: (B, T, J, 2) normalised screen units (``'2d'``) or (B, T, J, 3)
                root-relative metres (``'3d'``).
            mask: (B, T, J) bool, True = hidden.
            modality: '2d' or '3d'.

        Returns:
            dict with ``recon`` (B, T, J, C) in the unit of ``x``, for '2d'
            with the lifting pretext ``lift`` (B, T, J, 3) metres, and with
            ``action_text`` the ``motion_embedding`` (B, C_trunk).
        """
        if modality == '2d':
            parts = (self.encoder, self.decoder_2d, self.mask_vector_2d)
        elif modality == '3d':
            if self.encoder_3d is None:
                raise ValueError('this model was built without the 3D branch '
                                 '(encoder_3d=None)')
            parts = (self.encoder_3d, self.decoder_3d, self.mask_vector_3d)
        else:
            raise ValueError(f"modality must be '2d' or '3d', got "
                             f"'{modality}'")
        encoder, decoder, vector = parts
        tokens, visible_index = encode_masked(encoder, self.trunk, x, mask,
                                              vector, self.drop_frames)
        out = dict(recon=decoder(tokens, visible_index))
        if modality == '2d' and self.decoder_lift is not None:
            out['lift'] = self.decoder_lift(tokens, visible_index)
        if self.action_text is not None:
            out['motion_embedding'] = self.action_text.embed(
                tokens, seen_frames(mask, visible_index))
        return out

    def _branch_labels(self, data_samples: Optional[dict], modality: str,
                       device: torch.device) -> Optional[torch.Tensor]:
        """Class indices (B_m,) of the samples a branch runs on (the
        ``has_2d`` / ``has_3d`` selection of :meth:`_available`), or None
        without action supervision or labels."""
        if self.action_text is None:
            return None
        labels = self.action_text.labels_of(data_samples, device)
        if labels is None:
            return None
        return self._select(labels, (data_samples or {}).get(
            'has_2d' if modality == '2d' else 'has_3d'))

    # ------------------------------------------------------------------
    def _available(self, inputs: Optional[torch.Tensor],
                   data_samples: Optional[dict]) -> Dict[str, torch.Tensor]:
        """Per modality, the (B_m, T, J, C) poses present in the batch."""
        data_samples = data_samples or {}
        found = {}
        if inputs is not None:
            found['2d'] = self._select(inputs, data_samples.get('has_2d'))
        gt = data_samples.get('keypoints_3d')
        if gt is not None and self.encoder_3d is not None:
            found['3d'] = self._select(gt, data_samples.get('has_3d'))
        return {k: v for k, v in found.items() if v.shape[0] > 0}

    @staticmethod
    def _select(x: torch.Tensor, flags) -> torch.Tensor:
        if flags is None:
            return x
        flags = torch.as_tensor(flags, device=x.device).bool()
        return x[flags]

    @staticmethod
    def _mixed_flags(inputs: Optional[torch.Tensor],
                     data_samples: dict) -> dict:
        """``data_samples`` with ``has_2d`` / ``has_3d`` set so that every
        window feeds one branch: paired windows alternate 2D, 3D, 2D, ...
        in batch order (the ``'mixed'`` schedule)."""
        gt = data_samples.get('keypoints_3d')
        if inputs is None or gt is None:
            return data_samples
        batch = gt.shape[0]

        def flags(key):
            value = data_samples.get(key)
            if value is None:
                return torch.ones(batch, dtype=torch.bool, device=gt.device)
            return torch.as_tensor(value, device=gt.device).bool()

        has_2d, has_3d = flags('has_2d'), flags('has_3d')
        paired = has_2d & has_3d
        to_3d = paired & (torch.cumsum(paired.long(), 0) % 2 == 0)
        out = dict(data_samples)
        out['has_2d'] = has_2d & ~to_3d
        out['has_3d'] = has_3d & ~(paired & ~to_3d)
        return out

    def _branches_for_step(self, available: Dict[str, torch.Tensor]
                           ) -> List[str]:
        if len(available) < 2 or self.modality_schedule in ('both',
                                                           'mixed'):
            return sorted(available)
        step = int(self.num_paired_steps)
        if self.training:
            self.num_paired_steps += 1
        return ['2d' if step % 2 == 0 else '3d']

    def _recon_loss(self, recon: torch.Tensor, target: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        weight = mask if self.loss_on == 'hidden' else None
        return self.loss_fn(recon, target, weight)

    def loss(self, inputs: Optional[torch.Tensor],
             data_samples: Optional[dict]) -> Dict[str, torch.Tensor]:
        if self.modality_schedule == 'mixed':
            data_samples = self._mixed_flags(inputs, data_samples or {})
        available = self._available(inputs, data_samples)
        if not available:
            raise ValueError(
                'MaskedPoseModeling got a batch without 2D inputs and without '
                "data_samples['keypoints_3d'] (or every sample flagged "
                'has_2d/has_3d = False): nothing to reconstruct')
        losses = {}
        for modality in self._branches_for_step(available):
            x = available[modality]
            masker = self.masker_2d if modality == '2d' else self.masker_3d
            mask = masker(x)
            out = self.reconstruct(x, mask, modality)
            if modality == '2d':
                losses['loss_m2m'] = self.lambda_m2m * self._recon_loss(
                    out['recon'], x, mask)
                if 'lift' in out:
                    losses.update(self._lift_loss(out['lift'], inputs,
                                                  data_samples))
            else:
                losses['loss_m3m'] = self.lambda_m3m * self._recon_loss(
                    out['recon'], x, mask)
            labels = self._branch_labels(data_samples, modality, x.device)
            if labels is not None:
                losses.update(self.action_text.loss(
                    self.action_text(out['motion_embedding']), labels,
                    suffix=f'_{modality}'))
        return losses

    def _lift_loss(self, lift: torch.Tensor, inputs: torch.Tensor,
                   data_samples: Optional[dict]) -> Dict[str, torch.Tensor]:
        data_samples = data_samples or {}
        gt = data_samples.get('keypoints_3d')
        if gt is None:
            return {}
        flags = data_samples.get('has_2d')
        gt = self._select(gt, flags)
        paired = data_samples.get('has_3d')
        if paired is not None:
            paired = self._select(
                torch.as_tensor(paired, device=gt.device).bool(), flags)
            if not paired.any():
                return {}
            lift, gt = lift[paired], gt[paired]
        return dict(loss_lift=self.lambda_lift * self.loss_fn(
            zero_root(lift, self.root_index), gt))

    # ------------------------------------------------------------------
    def _tensor(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        out = {}
        for modality, x in self._available(inputs, data_samples).items():
            masker = self.masker_2d if modality == '2d' else self.masker_3d
            mask = masker(x)
            result = self.reconstruct(x, mask, modality)
            out[f'recon_{modality}'] = result['recon']
            out[f'mask_{modality}'] = mask
            if 'lift' in result:
                out['lift_3d'] = result['lift']
            if 'motion_embedding' in result:
                out[f'action_logits_{modality}'] = self.action_text(
                    result['motion_embedding'])['action_logits']
        return out

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._tensor(inputs, data_samples)

    @torch.no_grad()
    def predict(self, inputs: Optional[torch.Tensor],
                data_samples: Optional[dict] = None) -> List[dict]:
        """Reconstructions and masks of every sample (no per-sample flags)."""
        samples = dict(data_samples or {})
        samples.pop('has_2d', None)
        samples.pop('has_3d', None)
        out = self._tensor(inputs, samples)
        batch = next(iter(out.values())).shape[0]
        results = split_batch_meta(samples.get('meta'), batch)
        names = dict(recon_2d='pred_keypoints_2d',
                     recon_3d='pred_keypoints_3d', mask_2d='mask_2d',
                     mask_3d='mask_3d', lift_3d='pred_lift_3d')
        for key, value in out.items():
            if key.startswith('action_logits_'):
                best = value.argmax(-1).tolist()
                for i, result in enumerate(results):
                    result['pred_action_' + key[-2:]] = \
                        self.action_text.class_names[best[i]]
                continue
            for i, result in enumerate(results):
                result[names[key]] = value[i].cpu()
        return results
