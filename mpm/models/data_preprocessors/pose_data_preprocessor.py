"""Batch-wise preprocessing: device transfer, joint selection, augmentation."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mpm.registry import MODELS
from mpm.utils import H36M_SKELETON, flip_keypoints
from mpm.utils.joint_order import resolve_skeleton_fact, subset_metainfo

#: Human3.6M-17 without joint 9 (neck/nose): MPM's 16-joint mode.
H36M_16_JOINTS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16)


def check_keep_joints(keep_joints: Sequence[int]) -> List[int]:
    """Validate a joint subset: distinct integer indices >= 0, at least one.

    Returns the subset as a list of ints (order kept: the output joint ``i``
    is input joint ``keep_joints[i]``).
    """
    joints = list(keep_joints)

    def is_index(j) -> bool:
        try:
            return not isinstance(j, bool) and int(j) == j and j >= 0
        except (TypeError, ValueError):
            return False

    if not joints or not all(is_index(j) for j in joints):
        raise ValueError(
            'keep_joints must be a non-empty list of joint indices >= 0 '
            f'(or None to keep all joints), got {keep_joints!r}')
    joints = [int(j) for j in joints]
    if len(set(joints)) != len(joints):
        raise ValueError(f'keep_joints lists a joint twice: {joints}')
    return joints


def subset_flip_indices(flip_indices: Sequence[int],
                        keep_joints: Sequence[int]) -> List[int]:
    """The left/right permutation of a joint subset.

    ``flip_indices`` permutes the full layout (J_full joints); the result
    permutes the subset: entry ``i`` is the position in ``keep_joints`` of
    the mirror of joint ``keep_joints[i]``. E.g. Human3.6M-17 without joint
    9 (:data:`H36M_16_JOINTS`) gives
    ``[0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15, 10, 11, 12]``.

    Raises:
        ValueError: a kept joint is outside ``flip_indices`` or its mirror
            is not kept (the subset is not closed under flipping).
    """
    flip = [int(j) for j in flip_indices]
    joints = check_keep_joints(keep_joints)
    position = {j: i for i, j in enumerate(joints)}
    result = []
    for j in joints:
        if j >= len(flip):
            raise ValueError(
                f'keep_joints has joint {j} but flip_indices covers only '
                f'{len(flip)} joints (0..{len(flip) - 1})')
        if flip[j] not in position:
            raise ValueError(
                f'keep_joints {joints} is not closed under flipping: joint '
                f'{j} is kept but its mirror joint {flip[j]} is not; keep '
                'both or neither')
        result.append(position[flip[j]])
    return result


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

    A batch of device-resident windows (``window_index`` + ``windows``,
    from :class:`~mpm.datasets.device_windows.DeviceWindowDataset`) is first
    gathered on the model's device into the same dict.

    Joint subset (``keep_joints``, train and test): ``keypoints_2d`` and
    ``keypoints_3d`` (B, T, J_full, C) become (B, T, len(keep_joints), C)
    with output joint ``i`` = input joint ``keep_joints[i]``, before any
    augmentation; the flip permutation is remapped to the subset
    (:func:`subset_flip_indices`). MPM's 16-joint mode drops joint 9
    (neck/nose): ``keep_joints=H36M_16_JOINTS``; the root (joint 0) stays
    joint 0. Other batch entries are not touched.

    Training-time augmentation (only when ``training=True``):
      - horizontal flip of each sample with probability ``flip_prob``, 2D and
        3D together (x negated, left/right joints swapped), drawn from torch's
        RNG so a seeded run reproduces it;
      - optional Gaussian noise of std ``noise_std`` (normalised units) on 2D.

    Args:
        flip_prob: per-sample flip probability at training time.
        flip_indices: left/right permutation of the *input* layout (J_full
            joints); None: the dataset's (``set_dataset_meta``), Human3.6M-17
            until one is given. A value given here must agree with the
            dataset's.
        noise_std: 2D input noise at training time (0 disables).
        keep_joints: joint indices of the input layout to keep, in output
            order, or None (all joints). Must be closed under flipping.

    Attributes:
        flip_indices: the permutation applied when flipping, i.e. of the
            output joints (remapped to the subset with ``keep_joints``).
        source_flip_indices: ``flip_indices`` as given (input layout).
    """

    def __init__(self, flip_prob: float = 0.5,
                 flip_indices: Optional[Sequence[int]] = None,
                 noise_std: float = 0.0,
                 keep_joints: Optional[Sequence[int]] = None):
        super().__init__()
        self.flip_prob = flip_prob
        self.keep_joints = (None if keep_joints is None else
                            check_keep_joints(keep_joints))
        self._configured_flip_indices = flip_indices
        self._set_flip_indices(H36M_SKELETON.flip_permutation
                               if flip_indices is None else flip_indices)
        self.noise_std = noise_std

    def _set_flip_indices(self, flip_indices: Sequence[int]) -> None:
        """Set the input layout's permutation and its subset's."""
        self.source_flip_indices = [int(j) for j in flip_indices]
        self.flip_indices = (
            list(self.source_flip_indices) if self.keep_joints is None else
            subset_flip_indices(self.source_flip_indices, self.keep_joints))

    def set_dataset_meta(self, metainfo: dict) -> dict:
        """Take ``flip_indices`` from a dataset's metainfo (a configured
        value must agree with it) and return the metainfo of the joints the
        model sees (the ``keep_joints`` subset, root and flip remapped).

        Raises:
            JointOrderError: the configured ``flip_indices`` differ from the
                dataset's, or ``keep_joints`` drops its root.
        """
        flip = resolve_skeleton_fact(
            'PoseDataPreprocessor', 'flip_indices',
            self._configured_flip_indices, metainfo, 'flip_indices')
        if flip is not None:
            self._set_flip_indices(flip)
        if self.keep_joints is None:
            return dict(metainfo)
        return subset_metainfo(metainfo, self.keep_joints, self.flip_indices)

    def forward(self, data: dict, training: bool = False) -> dict:
        if 'window_index' in data:
            # Device-resident windows (mpm.datasets.DeviceWindowDataset):
            # gather the batch on this device from the index batch.
            data = data['windows'].gather(data['window_index'], self.device)
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
        if self.keep_joints is not None:
            if inputs is not None:
                inputs = self._select_joints(inputs, 'keypoints_2d')
            if 'keypoints_3d' in samples:
                samples['keypoints_3d'] = self._select_joints(
                    samples['keypoints_3d'], 'keypoints_3d')
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

    def _select_joints(self, x: torch.Tensor, key: str) -> torch.Tensor:
        """(B, T, J_full, C) -> (B, T, len(keep_joints), C)."""
        if x.dim() < 2 or x.shape[-2] != len(self.source_flip_indices):
            raise ValueError(
                f'PoseDataPreprocessor: {key} has shape {tuple(x.shape)} but '
                f'keep_joints selects from a layout of '
                f'{len(self.source_flip_indices)} joints (the length of '
                'flip_indices); expected (B, T, '
                f'{len(self.source_flip_indices)}, C). Give flip_indices of '
                'the dataset\'s layout.')
        index = torch.as_tensor(self.keep_joints, device=x.device)
        return x.index_select(-2, index)

    def _flip_where(self, x: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        if x.shape[-2] != len(self.flip_indices):
            raise ValueError(
                f'PoseDataPreprocessor: poses of shape {tuple(x.shape)} have '
                f'{x.shape[-2]} joints but flip_indices has '
                f'{len(self.flip_indices)} entries; set flip_indices (and '
                'keep_joints) to the layout of the data')
        mask = flip.view(-1, *([1] * (x.dim() - 1)))
        return torch.where(mask, flip_keypoints(x, self.flip_indices), x)
