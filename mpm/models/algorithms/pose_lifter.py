"""Stage II: 2D-to-3D pose lifting (P-STMO's STMO, MPM stage II)."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from mpm.models.utils import split_batch_meta, zero_root
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from mpm.utils import H36M_SKELETON, flip_keypoints
from .base import PoseAlgorithm

__all__ = ['PoseLifter', 'apply_compat', 'COMPAT_OPTIONS', 'example_inputs',
           # moved to mpm.models.utils, importable from here as before
           'zero_root', 'split_batch_meta']


#: Options that ``compat`` sets on the trunk's temporal part and the decoder.
COMPAT_OPTIONS = {
    # The official P-STMO / MPM code: unbiased-std norm with eps on the std,
    # frame-0 anchored strided decoder, and the final norms of the trunk
    # and decoder (present in their checkpoints) never applied.
    'official': dict(
        temporal=dict(norm='official', final_norm=False),
        decoder=dict(norm='official', anchor='first', final_norm=False)),
}


def apply_compat(trunk: dict, decoder: dict,
                 compat: Optional[str]) -> Tuple[dict, dict]:
    """Copies of the trunk and decoder configs with ``compat``'s options set.

    Args:
        trunk: config of a trunk with a ``temporal`` part (``PoseTrunk``).
        decoder: config of the strided decoder.
        compat: ``None`` (configs returned unchanged) or a key of
            :data:`COMPAT_OPTIONS` (``'official'``). Its options override
            the ones in the configs.

    Returns:
        (trunk, decoder) configs.
    """
    if compat is None:
        return trunk, decoder
    if compat not in COMPAT_OPTIONS:
        raise ValueError(f"Unknown compat '{compat}': use None or one of "
                         f'{sorted(COMPAT_OPTIONS)}.')
    if 'temporal' not in trunk:
        raise ValueError(
            f"compat='{compat}' needs a trunk config with a 'temporal' part "
            f"(PoseTrunk); got a trunk of type '{trunk.get('type')}'.")
    options = COMPAT_OPTIONS[compat]
    trunk, decoder = copy.deepcopy(trunk), copy.deepcopy(decoder)
    trunk['temporal'].update(options['temporal'])
    decoder.update(options['decoder'])
    return trunk, decoder


@MODELS.register_module()
class PoseLifter(PoseAlgorithm):
    """Lift a window of 2D poses to the 3D pose of its output frame.

    ``encoder`` (per-frame 2D embedding) -> ``trunk`` (spatial MLP + temporal
    transformer) -> ``decoder`` (strided transformer + head: one frame) and
    ``seq_head`` (a pose for every frame of the trunk output).

    Loss (stage II): ``final_weight * MPJPE(final, gt[target_index]) +
    seq_weight * MPJPE(sequence, gt)`` in metres with the predicted root
    zeroed.

    Args:
        encoder, trunk, decoder, seq_head: component configs.
        loss: config of the per-joint loss (``MPJPELoss``).
        final_weight, seq_weight: weights of the two terms (1.0, 1.0).
        flip_test: average predictions on the input and its mirror.
        flip_indices: left/right permutation; None: the dataset's
            (``set_dataset_meta``), Human3.6M-17 until then.
        root_index: index of the root joint; None: the
            dataset's root (``set_dataset_meta``), joint 0 until then.
        compat: ``None`` (mpm's numerics, as configured) or ``'official'``:
            override the trunk and decoder options with the numerics of the
            official P-STMO / MPM code (:data:`COMPAT_OPTIONS`), so that
            converted official checkpoints reproduce their outputs
            (``tools/model_converters/convert_official.py``).

    Modes of ``forward(inputs, data_samples, mode)`` with ``inputs`` (B, F, J, 2)
    normalised screen coordinates:
      - ``'tensor'``: raw head outputs ``(final (B, 1, J, 3), sequence
        (B, F, J, 3))``, no root zeroing, no flip.
      - ``'loss'``: dict of losses; ``data_samples['keypoints_3d']`` (B, F, J, 3)
        root-relative metres and ``data_samples['target_index']`` (B,).
      - ``'predict'``: a list of B dicts with ``pred_keypoints_3d`` (J, 3)
        metres (root at the origin, flip-averaged if ``flip_test``),
        ``gt_keypoints_3d`` (J, 3) when available, and the sample's meta.
    """

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 seq_head: Optional[dict] = None,
                 loss: dict = dict(type='MPJPELoss'),
                 final_weight: float = 1.0, seq_weight: float = 1.0,
                 flip_test: bool = True,
                 flip_indices: Optional[Sequence[int]] = None,
                 root_index: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 compat: Optional[str] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        trunk, decoder = apply_compat(trunk, decoder, compat)
        self.compat = compat
        self.encoder = ENCODERS.build(encoder)
        self.trunk = TRUNKS.build(trunk)
        self.decoder = DECODERS.build(decoder)
        self.seq_head = DECODERS.build(seq_head) if seq_head else None
        self.loss_fn = LOSSES.build(loss)
        self.final_weight = final_weight
        self.seq_weight = seq_weight
        self.flip_test = flip_test
        self.flip_indices = list(self._skeleton_arg(
            'flip_indices', flip_indices, H36M_SKELETON.flip_permutation))
        self.root_index = self._skeleton_arg('root_index', root_index, 0)

    def _forward(self, inputs: torch.Tensor,
                 data_samples: Optional[dict] = None
                 ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        features = self.trunk(self.encoder(inputs))
        final = self.decoder(features)
        sequence = self.seq_head(features) if self.seq_head else None
        return final, sequence

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._forward(inputs)

    def loss(self, inputs: torch.Tensor, data_samples: dict) -> Dict[str,
                                                                     torch.Tensor]:
        gt = data_samples['keypoints_3d']
        target_index = torch.as_tensor(data_samples['target_index'],
                                       device=gt.device).long()
        gt_final = gt[torch.arange(gt.shape[0], device=gt.device),
                      target_index].unsqueeze(1)
        final, sequence = self._forward(inputs)
        losses = dict(loss_final=self.final_weight * self.loss_fn(
            zero_root(final, self.root_index), gt_final))
        if sequence is not None and self.seq_weight > 0:
            losses['loss_seq'] = self.seq_weight * self.loss_fn(
                zero_root(sequence, self.root_index), gt)
        return losses

    @torch.no_grad()
    def predict_pose(self, inputs: torch.Tensor) -> torch.Tensor:
        """Pose of the output frame, (B, F, J, 2) -> (B, J, 3) metres.

        Root at the origin; averaged with the mirrored input's prediction
        (mirrored back) when ``flip_test`` is on.
        """
        final = self._forward(inputs)[0][:, 0]
        if self.flip_test:
            flipped = self._forward(flip_keypoints(inputs,
                                                   self.flip_indices))[0][:, 0]
            final = (final + flip_keypoints(flipped, self.flip_indices)) / 2
        return zero_root(final, self.root_index)

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[dict] = None) -> List[dict]:
        pred = self.predict_pose(inputs)
        data_samples = data_samples or {}
        results = split_batch_meta(data_samples.get('meta'), pred.shape[0])
        gt = data_samples.get('keypoints_3d')
        if gt is not None:
            index = torch.as_tensor(data_samples['target_index'],
                                    device=gt.device).long()
            gt = gt[torch.arange(gt.shape[0], device=gt.device), index]
        for i, result in enumerate(results):
            result['pred_keypoints_3d'] = pred[i].cpu()
            if gt is not None:
                result['gt_keypoints_3d'] = gt[i].cpu()
        return results


def example_inputs(model: PoseLifter, batch_size: int = 1) -> torch.Tensor:
    """A zero input window (B, F, J, C) of the size ``model`` was built for."""
    encoder = model.encoder
    return torch.zeros(batch_size, model.trunk.temporal.num_frames,
                       encoder.num_joints, encoder.in_channels)
