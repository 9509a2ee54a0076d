"""Batch-wise preprocessing: device transfer and augmentation."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mpm.registry import MODELS
from mpm.utils import H36M_SKELETON, flip_keypoints


@MODELS.register_module()
class PoseDataPreprocessor(BaseDataPreprocessor):
    """Move a collated batch to the device and augment it as tensor ops.

    Input: the dict produced by ``default_collate`` of dataset items:
    ``keypoints_2d`` (B, T, J, 2) normalised screen coordinates,
    ``keypoints_3d`` (B, T, J, 3) root-relative metres, ``target_index`` (B,)
    and ``meta`` (dict of lists). Output: ``dict(inputs=keypoints_2d,
    data_samples=dict(keypoints_3d=..., target_index=..., meta=...))``.
    A 3D-only batch (no ``keypoints_2d``, e.g. AMASS windows for masked 3D
    pre-training) gives ``inputs=None``; a batch needs at least one of
    ``keypoints_2d`` / ``keypoints_3d``. Other entries (``has_2d``,
    ``has_3d``, ``action_label``, ...) pass through to ``data_samples``.

    Training-time augmentation (only when ``training=True``):
      - horizontal flip of each sample with probability ``flip_prob``, 2D and
        3D together (x negated, left/right joints swapped), drawn from torch's
        RNG so a seeded run reproduces it;
      - optional Gaussian noise of std ``noise_std`` (normalised units) on 2D.

    Args:
        flip_prob: per-sample flip probability at training time.
        flip_indices: left/right permutation; Human3.6M-17 by default.
        noise_std: 2D input noise at training time (0 disables).
    """

    def __init__(self, flip_prob: float = 0.5,
                 flip_indices: Optional[Sequence[int]] = None,
                 noise_std: float = 0.0):
        super().__init__()
        self.flip_prob = flip_prob
        self.flip_indices = list(H36M_SKELETON.flip_permutation
                                 if flip_indices is None else flip_indices)
        self.noise_std = noise_std

    def forward(self, data: dict, training: bool = False) -> dict:
        if 'keypoints_2d' not in data and 'keypoints_3d' not in data:
            raise KeyError(
                'PoseDataPreprocessor: the batch has neither keypoints_2d nor '
                f'keypoints_3d (keys: {sorted(data)}); the dataset items must '
                'carry at least one of them')
        data = self.cast_data(data)
        inputs = data.get('keypoints_2d')
        if inputs is not None:
            inputs = inputs.float()
        samples = {k: v for k, v in data.items() if k != 'keypoints_2d'}
        if 'keypoints_3d' in samples:
            samples['keypoints_3d'] = samples['keypoints_3d'].float()
        if training and self.flip_prob > 0:
            ref = inputs if inputs is not None else samples['keypoints_3d']
            flip = torch.rand(ref.shape[0], device=ref.device) < \
                self.flip_prob
            if inputs is not None:
                inputs = self._flip_where(inputs, flip)
            if 'keypoints_3d' in samples:
                samples['keypoints_3d'] = self._flip_where(
                    samples['keypoints_3d'], flip)
        if training and self.noise_std > 0 and inputs is not None:
            inputs = inputs + self.noise_std * torch.randn_like(inputs)
        return dict(inputs=inputs, data_samples=samples)

    def _flip_where(self, x: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        mask = flip.view(-1, *([1] * (x.dim() - 1)))
        return torch.where(mask, flip_keypoints(x, self.flip_indices), x)
