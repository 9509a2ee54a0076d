"""Pose completion (MPM section 3.3.2, Tables 3 and 4).

Two modes, built from the parts stage I and stage II already use:

- ``'2d_to_3d'`` (Table 3): the stage II lifter (2D ``encoder`` -> ``trunk``
  -> strided ``decoder`` + ``seq_head``) fine-tuned on *incomplete* 2D
  windows: the hidden joints get the learnable ``mask_vector_2d`` (2,)
  before the encoder, as in stage I's 2D branch;
- ``'3d_to_3d'`` (Table 4): stage I's 3D branch (``encoder_3d`` -> ``trunk``
  -> ``decoder_3d``, a ``MaskedPoseDecoder``) fine-tuned with tube masking of
  body parts (no temporal masking) to reconstruct every frame.

Submodule names equal those of the checkpoints they start from, so
``PretrainedParts`` (``init_cfg``) loads them with the key maps below.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from mpm.models.maskers import (TABLE3_SETTINGS, TABLE4_SETTINGS,
                                OcclusionMasker, build_masker, sample_seed)
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from mpm.utils import H36M_SKELETON, flip_keypoints
from .base import PoseAlgorithm
from .masked_pose_modeling import _mask_vector, encode_masked
from .pose_lifter import split_batch_meta, zero_root

COMPLETION_MODES = ('2d_to_3d', '3d_to_3d')

#: ``PretrainedParts`` key map: a stage II ``PoseLifter`` checkpoint ->
#: ``PoseCompletion(mode='2d_to_3d')`` (everything but the mask vector).
STAGE2_TO_COMPLETION_2D = {
    'encoder.': 'encoder.',
    'trunk.': 'trunk.',
    'decoder.': 'decoder.',
    'seq_head.': 'seq_head.'
}
#: A stage I ``MaskedPoseModeling`` checkpoint -> ``'2d_to_3d'``: the 2D
#: encoder, the trunk and the 2D mask vector (the lifter decoder starts
#: fresh).
STAGE1_TO_COMPLETION_2D = {
    'encoder.': 'encoder.',
    'trunk.': 'trunk.',
    'mask_vector_2d': 'mask_vector_2d'
}
#: A stage I ``MaskedPoseModeling`` checkpoint -> ``'3d_to_3d'``: the whole
#: 3D branch (encoder, trunk, decoder, mask vector).
STAGE1_TO_COMPLETION_3D = {
    'encoder_3d.': 'encoder_3d.',
    'trunk.': 'trunk.',
    'decoder_3d.': 'decoder_3d.',
    'mask_vector_3d': 'mask_vector_3d'
}

#: Default training masker per mode: one setting of the table drawn per
#: sample (one model covers every row of the table).
DEFAULT_TRAIN_SETTINGS = {
    '2d_to_3d': TABLE3_SETTINGS,
    '3d_to_3d': TABLE4_SETTINGS
}


def occlusion_choice(settings: Sequence[str]) -> dict:
    """Masker config: per sample one of the named occlusion ``settings``."""
    return dict(type='RandomChoiceMasker',
                maskers=[dict(type='OcclusionMasker', setting=s)
                         for s in settings])


@MODELS.register_module()
class PoseCompletion(PoseAlgorithm):
    """Complete 3D poses from incomplete 2D or 3D windows.

    Training: ``train_masker`` (default: one setting of the mode's table per
    sample, tube-masked) hides joints of the input window; the hidden joints
    get a learnable mask vector; the loss is

    - ``'2d_to_3d'``: stage II's ``final_weight * MPJPE(centre frame) +
      seq_weight * MPJPE(all frames, sequence head)``, metres, root zeroed;
    - ``'3d_to_3d'``: stage I's reconstruction loss ``loss_weight * MPJPE``
      between the reconstructed and the complete window over all frames and
      joints (``loss_on='all'``) or only the hidden joints (``'hidden'``).

    Evaluation (``predict``): every setting of ``eval_settings`` is run on
    every sample with a mask seeded by ``eval_seed``, the setting and the
    sample's meta (:func:`~mpm.models.maskers.sample_seed`): identical in
    every run and independent of the batching. Fixed body-part settings
    need no randomness at all.

    Args:
        mode: ``'2d_to_3d'`` or ``'3d_to_3d'``.
        encoder: pose encoder config (``in_channels`` 2 / 3 by mode).
        trunk: shared trunk config (``PoseTrunk``).
        decoder: ``'2d_to_3d'``: the strided lifter decoder
            (``StridedTransformerDecoder``); ``'3d_to_3d'``: a
            ``MaskedPoseDecoder`` with ``out_channels=3``.
        seq_head: ``'2d_to_3d'`` only: the sequence head
            (``PoseRegressionHead``) or None.
        train_masker: masker config (``MASKERS``); None = the mode's table
            settings drawn per sample (:func:`occlusion_choice`).
        eval_settings: setting names (or ``OcclusionMasker`` configs) that
            ``predict`` evaluates; None = Table 3 (``'2d_to_3d'``) or
            Table 4 (``'3d_to_3d'``) settings.
        eval_seed: base seed of the evaluation masks.
        loss: per-joint loss config (``MPJPELoss``).
        final_weight, seq_weight: ``'2d_to_3d'`` loss weights.
        loss_weight, loss_on: ``'3d_to_3d'`` loss weight and joints.
        flip_test: ``'2d_to_3d'``: average the prediction on the input and
            on its mirror (the mask mirrored with it).
        flip_indices: left/right permutation (Human3.6M-17 by default).
        root_index: root joint.
        drop_frames: ``'3d_to_3d'``: drop wholly hidden frames before the
            temporal trunk (MAE style; tube masks hide none).
        keep_visible: ``'3d_to_3d'``: ``predict`` returns the input's own
            values at the visible joints and the reconstruction only at the
            hidden ones (default False: the raw reconstruction of every
            joint, as stage I's decoder outputs it).

    Submodules (named as in the checkpoints they come from):
    ``'2d_to_3d'``: ``encoder``, ``trunk``, ``decoder``, ``seq_head``,
    ``mask_vector_2d`` (stage II / stage I names, key maps
    :data:`STAGE2_TO_COMPLETION_2D`, :data:`STAGE1_TO_COMPLETION_2D`);
    ``'3d_to_3d'``: ``encoder_3d``, ``trunk``, ``decoder_3d``,
    ``mask_vector_3d`` (stage I names, :data:`STAGE1_TO_COMPLETION_3D`).

    Modes of ``forward(inputs, data_samples, mode)``, ``inputs`` (B, T, J, 2)
    normalised screen coordinates (or None in ``'3d_to_3d'``),
    ``data_samples['keypoints_3d']`` (B, T, J, 3) root-relative metres,
    ``data_samples['target_index']`` (B,) the output frame (``'2d_to_3d'``):
      - ``'loss'``: dict of weighted losses (``loss_final``, ``loss_seq`` /
        ``loss_m3m``);
      - ``'tensor'``: dict with ``mask`` (B, T, J) from ``train_masker`` and
        ``final`` (B, 1, J, 3) + ``sequence`` (B, T, J, 3) or ``recon``
        (B, T, J, 3), metres, raw head outputs;
      - ``'predict'``: a list of B dicts with ``pred_keypoints_3d_per_setting``
        {setting: (J, 3) centre frame (``'2d_to_3d'``) or (T, J, 3)
        (``'3d_to_3d'``), metres, root at the origin},
        ``hidden_joints_per_setting`` {setting: (J,) or (T, J) bool, the
        occluded joints of those poses}, ``gt_keypoints_3d`` ((J, 3) or
        (T, J, 3)), ``completion_task`` (the mode) and the sample's meta.
    """

    def __init__(self, mode: str, encoder: dict, trunk: dict, decoder: dict,
                 seq_head: Optional[dict] = None,
                 train_masker: Optional[dict] = None,
                 eval_settings: Optional[Sequence[Union[str, dict]]] = None,
                 eval_seed: int = 0,
                 loss: dict = dict(type='MPJPELoss'),
                 final_weight: float = 1.0, seq_weight: float = 1.0,
                 loss_weight: float = 1.0, loss_on: str = 'all',
                 flip_test: bool = True,
                 flip_indices: Optional[Sequence[int]] = None,
                 root_index: int = 0, drop_frames: bool = True,
                 keep_visible: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if mode not in COMPLETION_MODES:
            raise ValueError(f'PoseCompletion: mode must be one of '
                             f"{COMPLETION_MODES}, got '{mode}'")
        if loss_on not in ('all', 'hidden'):
            raise ValueError(f"loss_on must be 'all' or 'hidden', got "
                             f"'{loss_on}'")
        self.mode = mode
        if mode == '2d_to_3d':
            self.encoder = ENCODERS.build(encoder)
            self.trunk = TRUNKS.build(trunk)
            self.decoder = DECODERS.build(decoder)
            self.seq_head = DECODERS.build(seq_head) if seq_head else None
            self.mask_vector_2d = _mask_vector(self.encoder.in_channels)
            expected = 2
        else:
            if seq_head is not None:
                raise ValueError("seq_head is a '2d_to_3d' part; the "
                                 "'3d_to_3d' decoder reconstructs every "
                                 'frame already: remove seq_head')
            self.encoder_3d = ENCODERS.build(encoder)
            self.trunk = TRUNKS.build(trunk)
            self.decoder_3d = DECODERS.build(decoder)
            self.mask_vector_3d = _mask_vector(self.encoder_3d.in_channels)
            expected = 3
        if self.input_encoder.in_channels != expected:
            raise ValueError(
                f"PoseCompletion(mode='{mode}') needs an encoder with "
                f'in_channels={expected}, got '
                f'{self.input_encoder.in_channels}')
        if train_masker is None:
            train_masker = occlusion_choice(DEFAULT_TRAIN_SETTINGS[mode])
        self.train_masker = build_masker(train_masker)
        if eval_settings is None:
            eval_settings = DEFAULT_TRAIN_SETTINGS[mode]
        self.eval_maskers = nn.ModuleDict(self._eval_maskers(eval_settings))
        self.eval_seed = int(eval_seed)
        self.loss_fn = LOSSES.build(loss)
        self.final_weight = final_weight
        self.seq_weight = seq_weight
        self.loss_weight = loss_weight
        self.loss_on = loss_on
        self.flip_test = flip_test
        self.flip_indices = list(H36M_SKELETON.flip_permutation
                                 if flip_indices is None else flip_indices)
        self.root_index = root_index
        self.drop_frames = drop_frames
        if keep_visible and mode != '3d_to_3d':
            raise ValueError("keep_visible is a '3d_to_3d' option (the 2D "
                             'input has no 3D values to keep)')
        self.keep_visible = keep_visible

    @staticmethod
    def _eval_maskers(settings) -> 'OrderedDict[str, OcclusionMasker]':
        maskers = OrderedDict()
        if len(settings) == 0:
            raise ValueError('eval_settings needs at least one setting')
        for item in settings:
            cfg = (dict(type='OcclusionMasker', setting=item)
                   if isinstance(item, str) else dict(item))
            masker = build_masker(cfg)
            if not isinstance(masker, OcclusionMasker):
                raise TypeError(
                    f'eval_settings entries must be setting names or '
                    f'OcclusionMasker configs, got {item!r}')
            if masker.setting in maskers:
                raise ValueError(f"eval setting '{masker.setting}' is given "
                                 'twice')
            maskers[masker.setting] = masker
        return maskers

    # ------------------------------------------------------------------
    @property
    def input_encoder(self) -> nn.Module:
        """The encoder of the incomplete input (2D or 3D by mode)."""
        return self.encoder if self.mode == '2d_to_3d' else self.encoder_3d

    @property
    def eval_settings(self) -> List[str]:
        """Names of the settings ``predict`` evaluates, in order."""
        return list(self.eval_maskers)

    def _input(self, inputs: Optional[torch.Tensor],
               data_samples: Optional[dict]) -> torch.Tensor:
        """The window to complete: 2D ``inputs`` or 3D ground truth."""
        if self.mode == '2d_to_3d':
            if inputs is None:
                raise ValueError("PoseCompletion(mode='2d_to_3d') got a batch "
                                 'without keypoints_2d')
            return inputs
        gt = (data_samples or {}).get('keypoints_3d')
        if gt is None:
            raise ValueError("PoseCompletion(mode='3d_to_3d') needs "
                             "data_samples['keypoints_3d'] (B, T, J, 3) "
                             'root-relative metres')
        return gt

    def complete(self, x: torch.Tensor, mask: torch.Tensor
                 ) -> Dict[str, torch.Tensor]:
        """Run the network on ``x`` with ``mask`` (True = hidden joint).

        Args:
            x: (B, T, J, 2) normalised screen units (``'2d_to_3d'``) or
                (B, T, J, 3) root-relative metres (``'3d_to_3d'``).
            mask: (B, T, J) bool.

        Returns:
            ``'2d_to_3d'``: ``final`` (B, 1, J, 3) and ``sequence``
            (B, T, J, 3) or None; ``'3d_to_3d'``: ``recon`` (B, T, J, 3).
            Metres, raw head outputs (root not zeroed).
        """
        if self.mode == '2d_to_3d':
            tokens, _ = encode_masked(self.encoder, self.trunk, x, mask,
                                      self.mask_vector_2d, drop_frames=False)
            sequence = self.seq_head(tokens) if self.seq_head else None
            return dict(final=self.decoder(tokens), sequence=sequence)
        tokens, visible = encode_masked(self.encoder_3d, self.trunk, x, mask,
                                        self.mask_vector_3d, self.drop_frames)
        return dict(recon=self.decoder_3d(tokens, visible))

    # ------------------------------------------------------------------
    def loss(self, inputs: Optional[torch.Tensor],
             data_samples: Optional[dict]) -> Dict[str, torch.Tensor]:
        x = self._input(inputs, data_samples)
        mask = self.train_masker(x)
        out = self.complete(x, mask)
        if self.mode == '3d_to_3d':
            weight = mask if self.loss_on == 'hidden' else None
            return dict(loss_m3m=self.loss_weight *
                        self.loss_fn(out['recon'], x, weight))
        gt = data_samples['keypoints_3d']
        index = self._target_index(data_samples, gt)
        gt_final = gt[torch.arange(gt.shape[0], device=gt.device),
                      index].unsqueeze(1)
        losses = dict(loss_final=self.final_weight * self.loss_fn(
            zero_root(out['final'], self.root_index), gt_final))
        if out['sequence'] is not None and self.seq_weight > 0:
            losses['loss_seq'] = self.seq_weight * self.loss_fn(
                zero_root(out['sequence'], self.root_index), gt)
        return losses

    @staticmethod
    def _target_index(data_samples: Optional[dict],
                      x: torch.Tensor) -> torch.Tensor:
        """(B,) output frame of each window (``T // 2`` when not given)."""
        index = (data_samples or {}).get('target_index')
        if index is None:
            return torch.full((x.shape[0], ), x.shape[1] // 2,
                              dtype=torch.long, device=x.device)
        index = torch.as_tensor(index, device=x.device).long()
        return index.expand(x.shape[0]) if index.dim() == 0 else index

    # ------------------------------------------------------------------
    def eval_mask(self, x: torch.Tensor, setting: str,
                  metas: Optional[Sequence[dict]] = None) -> torch.Tensor:
        """The seeded evaluation mask of ``setting`` for a batch.

        Args:
            x: (B, T, J, C) poses. setting: a name of ``eval_settings``.
            metas: B per-sample meta dicts (seed keys); None or empty dicts
                fall back to the sample's position in the batch.

        Returns:
            (B, T, J) bool on ``x.device``.
        """
        if setting not in self.eval_maskers:
            raise KeyError(f"'{setting}' is not an eval setting of this "
                           f'model: {self.eval_settings}')
        metas = metas or [{}] * x.shape[0]
        seeds = [sample_seed(self.eval_seed, setting, m, i)
                 for i, m in enumerate(metas)]
        return self.eval_maskers[setting].seeded(x, seeds)

    @torch.no_grad()
    def predict_completion(self, x: torch.Tensor,
                           mask: torch.Tensor) -> torch.Tensor:
        """Completed 3D poses, root at the origin, metres.

        Args:
            x, mask: as in :meth:`complete`.

        Returns:
            ``'2d_to_3d'``: (B, J, 3) pose of the output frame (the
            decoder's surviving token), flip-averaged when ``flip_test``;
            ``'3d_to_3d'``: (B, T, J, 3) reconstructed window (the input at
            the visible joints when ``keep_visible``).
        """
        if self.mode == '3d_to_3d':
            recon = self.complete(x, mask)['recon']
            if self.keep_visible:
                recon = torch.where(mask.unsqueeze(-1), recon, x)
            return zero_root(recon, self.root_index)
        final = self.complete(x, mask)['final'][:, 0]
        if self.flip_test:
            flipped = self.complete(flip_keypoints(x, self.flip_indices),
                                    mask[..., self.flip_indices])['final']
            final = (final + flip_keypoints(flipped[:, 0],
                                            self.flip_indices)) / 2
        return zero_root(final, self.root_index)

    def predict(self, inputs: Optional[torch.Tensor],
                data_samples: Optional[dict] = None) -> List[dict]:
        data_samples = data_samples or {}
        x = self._input(inputs, data_samples)
        B = x.shape[0]
        results = split_batch_meta(data_samples.get('meta'), B)
        metas = [dict(r) for r in results]
        gt = data_samples.get('keypoints_3d')
        rows = torch.arange(B, device=x.device)
        index = self._target_index(data_samples, x)
        if gt is not None and self.mode == '2d_to_3d':
            gt = gt[rows, index]
        preds, hidden = {}, {}
        for setting in self.eval_settings:
            mask = self.eval_mask(x, setting, metas)
            preds[setting] = self.predict_completion(x, mask).cpu()
            hidden[setting] = (mask[rows, index] if self.mode == '2d_to_3d'
                               else mask).cpu()
        for i, result in enumerate(results):
            result['pred_keypoints_3d_per_setting'] = {
                s: p[i] for s, p in preds.items()}
            result['hidden_joints_per_setting'] = {
                s: h[i] for s, h in hidden.items()}
            result['completion_task'] = self.mode
            if gt is not None:
                result['gt_keypoints_3d'] = gt[i].cpu()
        return results

    def _tensor(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        x = self._input(inputs, data_samples)
        mask = self.train_masker(x)
        out = {k: v for k, v in self.complete(x, mask).items()
               if v is not None}
        out['mask'] = mask
        return out

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._tensor(inputs, data_samples)


def completion_key_map(mode: str, source: str) -> Dict[str, str]:
    """The ``PretrainedParts`` key map for ``mode`` from a ``source`` stage.

    Args:
        mode: ``'2d_to_3d'`` or ``'3d_to_3d'``.
        source: ``'stage1'`` (``MaskedPoseModeling``) or ``'stage2'``
            (``PoseLifter``; ``'2d_to_3d'`` only).

    Returns:
        source prefix -> target prefix dict.
    """
    maps: Dict[Tuple[str, str], Dict[str, str]] = {
        ('2d_to_3d', 'stage1'): STAGE1_TO_COMPLETION_2D,
        ('2d_to_3d', 'stage2'): STAGE2_TO_COMPLETION_2D,
        ('3d_to_3d', 'stage1'): STAGE1_TO_COMPLETION_3D,
    }
    if (mode, source) not in maps:
        raise ValueError(f"no key map for mode '{mode}' from '{source}': use "
                         f'one of {sorted(maps)}')
    return dict(maps[(mode, source)])
