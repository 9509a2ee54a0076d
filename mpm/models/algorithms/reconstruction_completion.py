"""Pose completion from partial 3D input (MPM section 3.3.2, Table 4)."""
from typing import Dict, List, Optional, Sequence, Union

import torch

from mpm.models.maskers import TABLE4_SETTINGS, build_masker
from mpm.models.utils import encode_masked, new_mask_vector, zero_root
from mpm.registry import DECODERS, ENCODERS, LOSSES, MODELS, TRUNKS
from .base import PoseAlgorithm
from .completion_eval import OcclusionEvaluation, occlusion_choice


@MODELS.register_module()
class ReconstructionCompletion(OcclusionEvaluation, PoseAlgorithm):
    """Complete 3D poses from incomplete 3D windows: MPM stage I's 3D branch
    (``encoder_3d`` -> ``trunk`` -> ``decoder_3d``, a ``MaskedPoseDecoder``)
    fine-tuned with tube masking of body parts (MPM Table 4).

    Hidden joints get the learnable ``mask_vector_3d`` (3,); wholly hidden
    frames are dropped before the temporal trunk when ``drop_frames`` (tube
    masks hide none). Loss: ``loss_weight * MPJPE`` between the
    reconstructed and the complete window over all joints (``loss_on=
    'all'``) or the hidden ones (``'hidden'``).

    Args:
        encoder: 3D pose encoder config (``in_channels=3``).
        trunk: shared trunk config (``PoseTrunk``).
        decoder: ``MaskedPoseDecoder`` config with ``out_channels=3``.
        train_masker: masker config; None = the Table 4 settings drawn per
            sample (tube-masked).
        eval_settings: settings ``predict`` evaluates; None = Table 4's.
        eval_seed: base seed of the evaluation masks.
        loss, loss_weight, loss_on: the reconstruction loss.
        root_index: root joint (zeroed in predictions); None: the
            dataset's root (``set_dataset_meta``), joint 0 until then.
        drop_frames: drop wholly hidden frames before the temporal trunk.
        keep_visible: ``predict`` returns the input's own values at the
            visible joints (default False: the raw reconstruction of every
            joint, as stage I's decoder outputs it).

    Submodules named as in stage I checkpoints: ``encoder_3d``, ``trunk``,
    ``decoder_3d``, ``mask_vector_3d``.

    Modes of ``forward(inputs, data_samples, mode)``; the window is
    ``data_samples['keypoints_3d']`` (B, T, J, 3) root-relative metres
    (``inputs`` is not used):
      - ``'loss'``: ``loss_m3m``;
      - ``'tensor'``: ``recon`` (B, T, J, 3) metres and ``mask`` (B, T, J);
      - ``'predict'``: per sample ``pred_keypoints_3d_per_setting``
        {setting: (T, J, 3) metres, root at the origin},
        ``hidden_joints_per_setting`` {setting: (T, J) bool},
        ``gt_keypoints_3d`` (T, J, 3), ``completion_task`` ``'3d_to_3d'``.
    """

    mode = '3d_to_3d'

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 train_masker: Optional[dict] = None,
                 eval_settings: Optional[Sequence[Union[str, dict]]] = None,
                 eval_seed: int = 0,
                 loss: dict = dict(type='MPJPELoss'),
                 loss_weight: float = 1.0, loss_on: str = 'all',
                 root_index: Optional[int] = None, drop_frames: bool = True,
                 keep_visible: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if loss_on not in ('all', 'hidden'):
            raise ValueError(f"loss_on must be 'all' or 'hidden', got "
                             f"'{loss_on}'")
        self.encoder_3d = ENCODERS.build(encoder)
        if self.encoder_3d.in_channels != 3:
            raise ValueError(
                'ReconstructionCompletion completes 3D input: it needs an '
                f'encoder with in_channels=3, got '
                f'{self.encoder_3d.in_channels}')
        self.trunk = TRUNKS.build(trunk)
        self.decoder_3d = DECODERS.build(decoder)
        self.mask_vector_3d = new_mask_vector(self.encoder_3d.in_channels)
        self.train_masker = build_masker(
            train_masker or occlusion_choice(TABLE4_SETTINGS))
        self.init_evaluation(eval_settings or TABLE4_SETTINGS, eval_seed)
        self.loss_fn = LOSSES.build(loss)
        self.loss_weight = loss_weight
        self.loss_on = loss_on
        self.root_index = self._skeleton_arg('root_index', root_index, 0)
        self.drop_frames = drop_frames
        self.keep_visible = keep_visible

    def completion_input(self, inputs: Optional[torch.Tensor],
                         data_samples: Optional[dict]) -> torch.Tensor:
        gt = (data_samples or {}).get('keypoints_3d')
        if gt is None:
            raise ValueError("ReconstructionCompletion needs data_samples["
                             "'keypoints_3d'] (B, T, J, 3) root-relative "
                             'metres')
        return gt

    def reconstruct(self, x: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
        """(B, T, J, 3) reconstruction of ``x`` with ``mask`` hidden,
        metres, raw decoder output."""
        tokens, visible = encode_masked(self.encoder_3d, self.trunk, x, mask,
                                        self.mask_vector_3d, self.drop_frames)
        return self.decoder_3d(tokens, visible)

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        x = self.completion_input(inputs, data_samples)
        mask = self.train_masker(x)
        weight = mask if self.loss_on == 'hidden' else None
        return dict(loss_m3m=self.loss_weight *
                    self.loss_fn(self.reconstruct(x, mask), x, weight))

    def tensor(self, inputs, data_samples=None):
        """Raw reconstruction of a training-masked window, and the mask."""
        x = self.completion_input(inputs, data_samples)
        mask = self.train_masker(x)
        return dict(recon=self.reconstruct(x, mask), mask=mask)

    @torch.no_grad()
    def predict_completion(self, x: torch.Tensor,
                           mask: torch.Tensor) -> torch.Tensor:
        """(B, T, J, 3) completed window, root at the origin (the input at
        the visible joints when ``keep_visible``)."""
        recon = self.reconstruct(x, mask)
        if self.keep_visible:
            recon = torch.where(mask.unsqueeze(-1), recon, x)
        return zero_root(recon, self.root_index)

    @staticmethod
    def output_frames(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return t
