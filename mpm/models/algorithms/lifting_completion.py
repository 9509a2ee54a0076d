"""Pose completion from partial 2D input (MPM section 3.3.2, Table 3)."""
from typing import Dict, Optional, Sequence, Union

import torch

from mpm.models.maskers import TABLE3_SETTINGS, build_masker
from mpm.models.utils import new_mask_vector
from mpm.registry import MODELS
from .completion_eval import OcclusionEvaluation, occlusion_choice
from .pose_lifter import PoseLifter


def hide_joints(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x`` with the hidden joints set to NaN, mpm's mark of a missing
    joint: (B, T, J, C), mask (B, T, J) bool -> (B, T, J, C). The mark
    survives mirroring (``flip_keypoints``) with its joint."""
    return x.masked_fill(mask.unsqueeze(-1), float('nan'))


@MODELS.register_module()
class LiftingCompletion(OcclusionEvaluation, PoseLifter):
    """Complete 3D poses from incomplete 2D windows: the stage II lifter
    with an input masker (MPM Table 3).

    ``train_masker`` hides joints of the input window (default: one Table 3
    setting per sample, tube-masked); hidden joints are marked NaN
    (:func:`hide_joints`) and the lifter replaces every NaN joint by the
    learnable ``mask_vector_2d`` (2,) before its encoder, as stage I's 2D
    branch does. Loss and flip averaging are the lifter's
    (:class:`~.pose_lifter.PoseLifter`): the mirrored input carries its
    hidden joints with it. Inputs with missing joints (NaN) at test time are
    completed the same way.

    Args:
        encoder, trunk, decoder, seq_head, loss, final_weight, seq_weight,
            flip_test, flip_indices, root_index, compat: as ``PoseLifter``.
        train_masker: masker config (``MASKERS``); None = the Table 3
            settings drawn per sample.
        eval_settings: setting names (or ``OcclusionMasker`` configs) that
            ``predict`` evaluates; None = Table 3's.
        eval_seed: base seed of the evaluation masks.

    Submodules as in ``PoseLifter`` checkpoints (``encoder``, ``trunk``,
    ``decoder``, ``seq_head``) plus ``mask_vector_2d`` (as in stage I).

    Modes of ``forward(inputs, data_samples, mode)``, ``inputs``
    (B, T, J, 2) normalised screen coordinates:
      - ``'loss'``: ``loss_final`` (+ ``loss_seq``) on the masked input;
      - ``'tensor'``: dict with ``mask`` (B, T, J) from ``train_masker``,
        ``final`` (B, 1, J, 3) and ``sequence`` (B, T, J, 3), metres, raw;
      - ``'predict'``: per sample ``pred_keypoints_3d_per_setting``
        {setting: (J, 3) output frame, metres, root at the origin},
        ``hidden_joints_per_setting`` {setting: (J,) bool},
        ``gt_keypoints_3d`` (J, 3), ``completion_task`` ``'2d_to_3d'``.
    """

    mode = '2d_to_3d'

    def __init__(self, encoder: dict, trunk: dict, decoder: dict,
                 seq_head: Optional[dict] = None,
                 train_masker: Optional[dict] = None,
                 eval_settings: Optional[Sequence[Union[str, dict]]] = None,
                 eval_seed: int = 0, **lifter_args):
        super().__init__(encoder, trunk, decoder, seq_head, **lifter_args)
        if self.encoder.in_channels != 2:
            raise ValueError(
                'LiftingCompletion completes 2D input: it needs an encoder '
                f'with in_channels=2, got {self.encoder.in_channels}')
        self.mask_vector_2d = new_mask_vector(self.encoder.in_channels)
        self.train_masker = build_masker(
            train_masker or occlusion_choice(TABLE3_SETTINGS))
        self.init_evaluation(eval_settings or TABLE3_SETTINGS, eval_seed)

    def _forward(self, inputs: torch.Tensor, data_samples=None):
        hidden = torch.isnan(inputs).any(-1, keepdim=True)
        filled = torch.where(hidden, self.mask_vector_2d.to(inputs.dtype),
                             inputs)
        return super()._forward(filled)

    def loss(self, inputs: torch.Tensor,
             data_samples: dict) -> Dict[str, torch.Tensor]:
        mask = self.train_masker(inputs)
        return super().loss(hide_joints(inputs, mask), data_samples)

    def tensor(self, inputs: torch.Tensor, data_samples=None):
        """Raw outputs on a training-masked input, and the mask."""
        mask = self.train_masker(inputs)
        final, sequence = self._forward(hide_joints(inputs, mask))
        out = dict(final=final, mask=mask)
        if sequence is not None:
            out['sequence'] = sequence
        return out

    def completion_input(self, inputs: Optional[torch.Tensor],
                         data_samples: Optional[dict]) -> torch.Tensor:
        if inputs is None:
            raise ValueError('LiftingCompletion got a batch without '
                             'keypoints_2d')
        return inputs

    @torch.no_grad()
    def predict_completion(self, x: torch.Tensor,
                           mask: torch.Tensor) -> torch.Tensor:
        """(B, J, 3) pose of the output frame from ``x`` (B, T, J, 2) with
        ``mask`` (B, T, J) hidden; flip-averaged when ``flip_test``."""
        return self.predict_pose(hide_joints(x, mask))

    @staticmethod
    def output_frames(t: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return t[torch.arange(t.shape[0], device=t.device), index]
