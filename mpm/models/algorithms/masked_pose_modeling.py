"""Stage I of MPM: masked 2D and 3D pose modeling with a shared trunk.

Besides :class:`MaskedPoseModeling` this module holds the pieces every masked
pre-training algorithm shares (:func:`visible_frame_index`,
:func:`apply_mask_vector`, :func:`encode_masked`) and the stage I -> stage II
weight transfer (:func:`load_pretrained_parts` and the ``PretrainedParts``
weight initialiser for ``init_cfg``).
"""
import logging
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.registry import WEIGHT_INITIALIZERS
from torch import nn

from mpm.models.maskers import build_masker
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from .base import PoseAlgorithm
from .pose_lifter import split_batch_meta, zero_root

# --------------------------------------------------------------------------
# Shared masked-encoding pieces
# --------------------------------------------------------------------------


def visible_frame_index(mask: torch.Tensor) -> Optional[torch.Tensor]:
    """Frames the temporal trunk keeps, in time order.

    A frame is *hidden* when all its joints are masked. Every sample keeps
    the same number of frames so the batch stays rectangular: ``n_drop`` =
    the smallest number of hidden frames of any sample; a sample with more
    hidden frames keeps its earliest extra ones (they reach the trunk as
    frames of mask vectors) and drops the rest. For fixed-count maskers such
    as ``TemporalMasker`` / ``SpatioTemporalMasker`` every sample drops
    exactly its hidden frames.

    Args:
        mask: (B, T, J) bool, True = hidden.

    Returns:
        (B, T - n_drop) long frame indices, increasing along each row, or
        ``None`` when no frame can be dropped.
    """
    hidden = mask.all(dim=-1)  # (B, T)
    num_drop = int(hidden.sum(dim=1).min())
    if num_drop == 0:
        return None
    T = mask.shape[1]
    if num_drop >= T:
        raise ValueError('every frame of a sample is hidden: the masker must '
                         'leave at least one frame visible')
    # Stable sort: visible frames first (time order), then hidden ones.
    order = torch.sort(hidden.to(torch.uint8), dim=1, stable=True).indices
    return order[:, :T - num_drop].sort(dim=1).values


def apply_mask_vector(x: torch.Tensor, mask: torch.Tensor,
                      vector: torch.Tensor) -> torch.Tensor:
    """Write the learnable ``vector`` (C,) into the hidden joints.

    Shapes: x (B, T, J, C), mask (B, T, J) bool -> (B, T, J, C).
    """
    if mask.shape != x.shape[:3]:
        raise ValueError(f'mask {tuple(mask.shape)} does not match the poses '
                         f'{tuple(x.shape)} (B, T, J, C)')
    return torch.where(mask.unsqueeze(-1), vector.to(x.dtype), x)


def gather_frames(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[b, index[b]]`` for every sample: (B, T, ...) -> (B, T_sel, ...)."""
    expanded = index.view(*index.shape, *([1] * (x.dim() - 2))).expand(
        -1, -1, *x.shape[2:])
    return torch.gather(x, 1, expanded)


def encode_masked(encoder: nn.Module, trunk: nn.Module, x: torch.Tensor,
                  mask: torch.Tensor, mask_vector: torch.Tensor,
                  drop_frames: bool = True
                  ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """Masked poses -> trunk tokens of the visible frames (MAE style).

    1. hidden joints get ``mask_vector``;
    2. with ``drop_frames``, hidden frames (:func:`visible_frame_index`) are
       removed *before* the per-frame encoder and spatial MLP, so no
       computation (and no BatchNorm statistic) is spent on them;
    3. the temporal transformer adds its positional embedding at each kept
       frame's original time index and runs on the kept frames only.

    ``trunk`` must have ``spatial`` and ``temporal`` parts (``PoseTrunk``)
    when frames are dropped. The spatial features of the kept frames are
    scattered into a zero (B, T, C) tensor and the temporal transformer,
    given ``visible_index``, adds the positional embedding to all frames and
    keeps the visible ones: the zero rows never reach a layer.

    Args:
        encoder: per-frame pose encoder, (B, T, J, C) -> (B, T, D).
        trunk: ``PoseTrunk``.
        x: (B, T, J, C) poses. mask: (B, T, J) bool, True = hidden.
        mask_vector: (C,) learnable vector.
        drop_frames: drop hidden frames before the temporal trunk.

    Returns:
        tokens (B, T_vis, C_trunk) and ``visible_index`` (B, T_vis) long, or
        tokens (B, T, C_trunk) and ``None`` when nothing is dropped.
    """
    x = apply_mask_vector(x, mask, mask_vector)
    visible_index = visible_frame_index(mask) if drop_frames else None
    if visible_index is None:
        return trunk(encoder(x)), None
    if not (hasattr(trunk, 'spatial') and hasattr(trunk, 'temporal')):
        raise TypeError(
            f'dropping hidden frames needs a trunk with `spatial` and '
            f'`temporal` parts (PoseTrunk), got {type(trunk).__name__}; '
            'set drop_frames=False to run it on all frames')
    features = trunk.spatial(encoder(gather_frames(x, visible_index)))
    B, T = x.shape[:2]
    full = features.new_zeros(B, T, features.shape[-1]).scatter(
        1, visible_index.unsqueeze(-1).expand(-1, -1, features.shape[-1]),
        features)
    return trunk.temporal(full, visible_index), visible_index


def _mask_vector(channels: int) -> nn.Parameter:
    p = nn.Parameter(torch.zeros(channels))
    nn.init.trunc_normal_(p, std=0.02)
    return p


# --------------------------------------------------------------------------
# MPM stage I
# --------------------------------------------------------------------------

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
        calls of ``loss`` (a counter in the model), so 2D and 3D windows are
        used with the same frequency and never as pairs; ``'both'`` runs both
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
        loss_on: 'all' or 'hidden'.
        drop_frames: drop hidden frames before the temporal trunk.
        root_index: root joint (for the lifting pretext).

    Submodule names (what stage II loads): ``encoder`` (2D pose encoder,
    also reachable as ``encoder_2d``) and ``trunk``; the rest
    (``encoder_3d``, ``decoder_2d``, ``decoder_3d``, ``decoder_lift``,
    ``mask_vector_2d``, ``mask_vector_3d``) is stage I only.

    Modes of ``forward(inputs, data_samples, mode)``, ``inputs`` (B, T, J, 2)
    normalised screen coordinates or None, ``data_samples['keypoints_3d']``
    (B, T, J, 3) root-relative metres:
      - ``'loss'``: dict with ``loss_m2m`` and/or ``loss_m3m`` (and
        ``loss_lift``), already weighted;
      - ``'tensor'``: dict with ``recon_2d`` (B, T, J, 2), ``mask_2d``
        (B, T, J) and/or ``recon_3d``, ``mask_3d`` (and ``lift_3d``);
      - ``'predict'``: a list of B dicts with ``pred_keypoints_2d``,
        ``mask_2d``, ``pred_keypoints_3d``, ``mask_3d`` (per available
        modality) and the sample's meta.
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
                 root_index: int = 0,
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
        self.mask_vector_2d = _mask_vector(self.encoder.in_channels)
        self.encoder_3d = self.decoder_3d = self.masker_3d = None
        self.mask_vector_3d = None
        if encoder_3d is not None:
            self.encoder_3d = ENCODERS.build(encoder_3d)
            self.decoder_3d = DECODERS.build(decoder_3d)
            self.masker_3d = build_masker(masker_3d)
            self.mask_vector_3d = _mask_vector(self.encoder_3d.in_channels)
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
        self.root_index = root_index
        #: training calls of ``loss`` on batches with both modalities.
        self.num_paired_steps = 0

    @property
    def encoder_2d(self) -> nn.Module:
        """The 2D pose encoder (stored as ``encoder`` for stage II)."""
        return self.encoder

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
            dict with ``recon`` (B, T, J, C) in the unit of ``x`` and, for
            '2d' with the lifting pretext, ``lift`` (B, T, J, 3) metres.
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
        return out

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
        step = self.num_paired_steps
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
            for i, result in enumerate(results):
                result[names[key]] = value[i].cpu()
        return results


# --------------------------------------------------------------------------
# Stage I -> stage II weight transfer
# --------------------------------------------------------------------------

#: Stage I (``MaskedPoseModeling`` / ``PSTMOPretrain``) -> stage II
#: (``PoseLifter``): the 2D encoder and the shared trunk.
STAGE1_TO_LIFTER = {'encoder.': 'encoder.', 'trunk.': 'trunk.'}


def _state_dict_of(checkpoint: Mapping) -> Mapping[str, torch.Tensor]:
    state = checkpoint.get('state_dict', checkpoint)
    return OrderedDict((re.sub(r'^module\.', '', k), v)
                       for k, v in state.items())


def map_state_dict(state: Mapping[str, torch.Tensor],
                   key_map: Mapping[str, str]
                   ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename keys by prefix. Returns (mapped, skipped source keys).

    ``key_map`` maps a source prefix to a target prefix (``{'encoder.':
    'encoder.'}``); keys under no listed prefix are skipped. The longest
    matching source prefix wins.
    """
    prefixes = sorted(key_map, key=len, reverse=True)
    mapped, skipped = OrderedDict(), []
    for key, value in state.items():
        src = next((p for p in prefixes if key.startswith(p)), None)
        if src is None:
            skipped.append(key)
        else:
            mapped[key_map[src] + key[len(src):]] = value
    return mapped, skipped


def _short_list(keys: List[str]) -> str:
    return ', '.join(keys) if keys else '(none)'


def load_pretrained_parts(model: nn.Module,
                          checkpoint: Union[str, Mapping],
                          key_map: Mapping[str, str] = STAGE1_TO_LIFTER,
                          strict: bool = False,
                          map_location: str = 'cpu',
                          logger: str = 'current') -> Dict[str, List[str]]:
    """Load the parts of a checkpoint that ``key_map`` selects into ``model``.

    Logs (``print_log``) every

    - loaded key;
    - missing key: a parameter or buffer of ``model`` under a target prefix
      of ``key_map`` that the checkpoint lacks (logged as a warning);
    - unexpected key: a mapped checkpoint key ``model`` has no slot for
      (warning);
    - kept key: a key of ``model`` outside the target prefixes, left as
      initialised (e.g. the stage II decoder);
    - skipped key: a checkpoint key outside ``key_map`` (e.g. the stage I
      decoders).

    Args:
        model: the module receiving the weights (e.g. a stage II
            ``PoseLifter``).
        checkpoint: a file path / URL (loaded by
            :func:`mpm.engine.checkpoint.load_checkpoint_source`: integrity
            checks, allow-listed ``weights_only`` loading) or an already
            loaded dict (with or without a ``state_dict`` key).
        key_map: source prefix -> target prefix (default: stage I ->
            ``PoseLifter``: ``encoder.`` and ``trunk.``).
        strict: raise if anything is missing or unexpected.
        map_location: where tensors are loaded.
        logger: MMEngine logger name.

    Returns:
        ``dict(loaded, missing, unexpected, kept, skipped)``: lists of key
        names (target names, except ``skipped``: checkpoint names).

    Raises:
        ValueError: a shape differs between checkpoint and model (nothing is
            loaded then), or ``strict`` and keys are missing / unexpected.
    """
    if isinstance(checkpoint, Mapping):
        source = 'the given state dict'
        state = _state_dict_of(checkpoint)
    else:
        from mpm.engine.checkpoint import load_checkpoint_source
        source = str(checkpoint)
        if '://' not in source and not osp.isfile(source):
            raise FileNotFoundError(
                f'stage I checkpoint {source} does not exist: run the '
                'pre-training config first, or point '
                'model.init_cfg.checkpoint at an existing file (e.g. '
                '--cfg-options model.init_cfg.checkpoint=PATH)')
        state = _state_dict_of(load_checkpoint_source(source, map_location))
    mapped, skipped = map_state_dict(state, key_map)
    own = model.state_dict()
    targets = tuple(key_map.values())
    loaded = [k for k in mapped if k in own]
    unexpected = [k for k in mapped if k not in own]
    missing = [
        k for k in own if k.startswith(targets) and k not in mapped
        and not k.endswith('num_batches_tracked')
    ]
    kept = [k for k in own if not k.startswith(targets)]
    mismatched = [
        f'{k}: checkpoint {tuple(mapped[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in loaded
        if mapped[k].shape != own[k].shape
    ]
    if mismatched:
        raise ValueError(f'cannot load {source} into {type(model).__name__}: '
                         'shapes differ (check num_frames, widths and depth '
                         'of both configs):\n  ' + '\n  '.join(mismatched))
    with torch.no_grad():
        for k in loaded:
            own[k].copy_(mapped[k])
    print_log(
        f'load_pretrained_parts: {source} -> {type(model).__name__} with '
        f'key map {dict(key_map)}\n'
        f'  loaded ({len(loaded)}): {_short_list(loaded)}\n'
        f'  kept as initialised, outside the key map ({len(kept)}): '
        f'{_short_list(kept)}\n'
        f'  skipped checkpoint keys, outside the key map ({len(skipped)}): '
        f'{_short_list(skipped)}',
        logger=logger)
    print_log(
        f'load_pretrained_parts: missing in the checkpoint ({len(missing)}): '
        f'{_short_list(missing)}\n'
        f'  unexpected, no such key in the model ({len(unexpected)}): '
        f'{_short_list(unexpected)}',
        logger=logger,
        level=logging.WARNING if missing or unexpected else logging.INFO)
    if strict and (missing or unexpected):
        raise ValueError(
            f'strict loading of {source}: {len(missing)} missing and '
            f'{len(unexpected)} unexpected keys (listed in the log)')
    return dict(loaded=loaded, missing=missing, unexpected=unexpected,
                kept=kept, skipped=skipped)


@WEIGHT_INITIALIZERS.register_module(name='PretrainedParts', force=True)
class PretrainedPartsInit:
    """``init_cfg`` initialiser: :func:`load_pretrained_parts` with a key map.

    Example (stage II config)::

        model = dict(init_cfg=dict(
            type='PretrainedParts', checkpoint='work_dirs/mpm_pretrain/'
            'epoch_15.pth', key_map={'encoder.': 'encoder.',
                                     'trunk.': 'trunk.'}))

    Args:
        checkpoint: path or URL of the stage I checkpoint.
        key_map: source prefix -> target prefix (default
            :data:`STAGE1_TO_LIFTER`).
        strict: raise on missing / unexpected keys.
        map_location: where tensors are loaded.
    """

    def __init__(self, checkpoint: str,
                 key_map: Optional[Mapping[str, str]] = None,
                 strict: bool = False, map_location: str = 'cpu'):
        self.checkpoint = checkpoint
        self.key_map = dict(STAGE1_TO_LIFTER if key_map is None else key_map)
        self.strict = strict
        self.map_location = map_location

    def __call__(self, module: nn.Module) -> None:
        load_pretrained_parts(module, self.checkpoint, self.key_map,
                              self.strict, self.map_location)
        if hasattr(module, '_params_init_info'):
            from mmengine.model.weight_init import update_init_info
            update_init_info(
                module,
                init_info=f'PretrainedParts: {self.key_map} from '
                f'{self.checkpoint}')
