"""P-STMO's pre-training: masked 2D pose modeling (MAE style)."""
from typing import Dict, List, Optional, Union

import torch

from mpm.models.maskers import build_masker
from mpm.models.utils import encode_masked, new_mask_vector, split_batch_meta
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from .base import PoseAlgorithm


@MODELS.register_module()
class PSTMOPretrain(PoseAlgorithm):
    """Masked 2D-to-2D pose modeling, P-STMO's self-supervised stage.

    ``masker`` hides joints and whole frames (P-STMO: 3 joints per frame and
    60% of the frames; P-STMO-S: 2 or 7 joints, 80%); hidden joints get the
    learnable ``mask_vector`` (2,); ``encoder`` + ``trunk`` (spatial MLP +
    temporal transformer of L layers) run on the visible frames; ``decoder``
    (``MaskedPoseDecoder``: LayerNorm, Linear(256 -> 128, no bias), mask
    token and positional embedding, L-1 blocks at width 128 with FFN 256 and
    8 heads, LayerNorm, BN + Linear -> 2J) reconstructs every frame.
    Parameters at 243 frames, J=17: 2,656,036 (L=3), 3,315,620 (L=4).

    Loss: ``loss_weight * MPJPE`` in normalised screen units between the
    reconstruction and the unmasked 2D input over all frames and joints
    (``loss_on='all'``) or the hidden joints only (``'hidden'``).

    ``encoder`` and ``trunk`` carry the names of ``PoseLifter``'s parts, so
    stage II loads them with ``load_from`` or ``init_cfg`` (key map
    ``encoder.`` / ``trunk.``).

    Modes of ``forward(inputs, data_samples, mode)`` with ``inputs``
    (B, T, J, 2): ``'loss'`` -> ``dict(loss_m2m=...)``; ``'tensor'`` ->
    ``dict(recon_2d (B, T, J, 2), mask_2d (B, T, J))``; ``'predict'`` -> B
    dicts with ``pred_keypoints_2d``, ``mask_2d`` and the sample's meta.
    """

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 masker: dict = dict(type='SpatioTemporalMasker',
                                     num_joints=3, frame_ratio=0.6),
                 loss: dict = dict(type='MPJPELoss'),
                 loss_weight: float = 1.0, loss_on: str = 'all',
                 drop_frames: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if loss_on not in ('all', 'hidden'):
            raise ValueError(f"loss_on must be 'all' or 'hidden', got "
                             f"'{loss_on}'")
        self.encoder = ENCODERS.build(encoder)
        self.trunk = TRUNKS.build(trunk)
        self.decoder = DECODERS.build(decoder)
        self.masker = build_masker(masker)
        self.mask_vector = new_mask_vector(self.encoder.in_channels)
        self.loss_fn = LOSSES.build(loss)
        self.loss_weight = loss_weight
        self.loss_on = loss_on
        self.drop_frames = drop_frames

    def reconstruct(self, x: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        """Reconstruct masked poses.

        Shapes: x (B, T, J, 2) normalised screen units, mask (B, T, J) bool
        (True = hidden) -> (B, T, J, 2).
        """
        tokens, visible_index = encode_masked(self.encoder, self.trunk, x,
                                              mask, self.mask_vector,
                                              self.drop_frames)
        return self.decoder(tokens, visible_index)

    def _tensor(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        if inputs is None:
            raise ValueError('PSTMOPretrain needs 2D inputs (B, T, J, 2)')
        mask = self.masker(inputs)
        return dict(recon_2d=self.reconstruct(inputs, mask), mask_2d=mask)

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        out = self._tensor(inputs)
        weight = out['mask_2d'] if self.loss_on == 'hidden' else None
        return dict(loss_m2m=self.loss_weight *
                    self.loss_fn(out['recon_2d'], inputs, weight))

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[dict] = None) -> List[dict]:
        out = self._tensor(inputs)
        results = split_batch_meta((data_samples or {}).get('meta'),
                                   inputs.shape[0])
        for i, result in enumerate(results):
            result['pred_keypoints_2d'] = out['recon_2d'][i].cpu()
            result['mask_2d'] = out['mask_2d'][i].cpu()
        return results

    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._tensor(inputs)
