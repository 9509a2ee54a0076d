"""Camera intrinsics and ground-truth root positions of a batch.

The refiner needs, per sample, the intrinsics of the camera that saw it and
(paper protocol only) the ground-truth root position in that camera's frame.
Data samples may carry them directly (what a dataset item adds, see
:func:`camera_params_of`):

- ``camera_params``: dict of (B, k) tensors ``focal_length`` (B, 2) px,
  ``center`` (B, 2) px, ``res`` (B, 2) ``[w, h]`` px, ``radial`` (B, 3),
  ``tangential`` (B, 2);
- ``root_3d``: (B, T, 3) camera-frame metres of the root joint for every
  window frame (or (B, 3) for the output frame only).

Without ``camera_params`` the intrinsics are looked up in the public
Human3.6M calibration from ``meta['subject']`` and ``meta['camera']`` (the
camera index 0-3 the dataset puts in ``meta``).
"""
from typing import Dict, Mapping, Optional

import numpy as np
import torch

from mpm.utils.camera import camera_params_of

__all__ = [
    'CAMERA_PARAM_KEYS', 'camera_params_of', 'camera_params_from_meta',
    'batch_camera_params', 'batch_root_position'
]

#: Keys (and widths) of a ``camera_params`` entry.
CAMERA_PARAM_KEYS = dict(focal_length=2, center=2, res=2, radial=3,
                         tangential=2)


def _meta_column(meta: Mapping, key: str, batch_size: int) -> list:
    if key not in meta:
        raise KeyError(
            f"the batch's meta has no '{key}' (keys: {sorted(meta)}); the "
            'refiner needs camera intrinsics: give data samples a '
            "'camera_params' entry or meta 'subject' and 'camera' (index "
            '0-3) of a Human3.6M camera.')
    values = meta[key]
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    if isinstance(values, (str, int)):
        values = [values] * batch_size
    values = list(values)
    if len(values) != batch_size:
        raise ValueError(f"meta['{key}'] has {len(values)} entries for a "
                         f'batch of {batch_size}.')
    return values


def camera_params_from_meta(meta: Mapping,
                            batch_size: int) -> Dict[str, np.ndarray]:
    """Stacked intrinsics (B, k) float32 from ``meta['subject']`` and
    ``meta['camera']`` via :func:`mpm.utils.camera.h36m_cameras`."""
    from mpm.utils.camera import h36m_cameras
    subjects = _meta_column(meta, 'subject', batch_size)
    indices = _meta_column(meta, 'camera', batch_size)
    table = h36m_cameras()
    rows = []
    for i, (subject, index) in enumerate(zip(subjects, indices)):
        if subject not in table or not 0 <= int(index) < len(table[subject]):
            raise KeyError(
                f"sample {i}: no Human3.6M camera {index!r} for subject "
                f'{subject!r} (calibrated subjects: {sorted(table)}, camera '
                "indices 0-3). Give the samples a 'camera_params' entry "
                'for other cameras.')
        rows.append(camera_params_of(table[subject][int(index)]))
    return {k: np.stack([r[k] for r in rows]) for k in CAMERA_PARAM_KEYS}


def batch_camera_params(data_samples: Optional[Mapping], batch_size: int,
                        device=None,
                        dtype=torch.float32) -> Dict[str, torch.Tensor]:
    """Intrinsics of every sample of a batch as (B, k) tensors.

    Reads ``data_samples['camera_params']`` when present (``radial`` and
    ``tangential`` optional: zero distortion), else looks the cameras up
    from ``data_samples['meta']`` (:func:`camera_params_from_meta`).

    Returns:
        dict ``focal_length`` (B, 2), ``center`` (B, 2), ``res`` (B, 2),
        ``radial`` (B, 3), ``tangential`` (B, 2); pixels, ``dtype`` on
        ``device``.
    """
    data_samples = data_samples or {}
    params = data_samples.get('camera_params')
    if params is None:
        params = camera_params_from_meta(data_samples.get('meta') or {},
                                         batch_size)
    out = {}
    for key, width in CAMERA_PARAM_KEYS.items():
        value = params.get(key)
        if value is None:
            if key in ('radial', 'tangential'):
                value = torch.zeros(batch_size, width)
            else:
                raise KeyError(f"camera_params has no '{key}' (keys: "
                               f'{sorted(params)}); it needs '
                               f'{sorted(CAMERA_PARAM_KEYS)}.')
        value = torch.as_tensor(value, device=device, dtype=dtype)
        if value.shape != (batch_size, width):
            raise ValueError(f"camera_params['{key}'] must be ({batch_size}, "
                             f'{width}); got {tuple(value.shape)}.')
        out[key] = value
    return out


def batch_root_position(data_samples: Optional[Mapping],
                        target_index: torch.Tensor) -> torch.Tensor:
    """Ground-truth root position of each sample's output frame.

    Args:
        data_samples: holds ``root_3d`` (B, T, 3) or (B, 3) camera-frame
            metres.
        target_index: (B,) output frame of each window.

    Returns:
        (B, 3) metres.

    Raises:
        KeyError: no ``root_3d``, with what to change.
    """
    root = (data_samples or {}).get('root_3d')
    if root is None:
        raise KeyError(
            "root_depth='gt' (paper protocol) needs the ground-truth root "
            "position: data samples must carry 'root_3d' (B, T, 3) camera-"
            "frame metres. Build Human36mDataset with return_root=True "
            "(e.g. --cfg-options train_dataloader.dataset.return_root=True), "
            'or use root_depth=\'estimated\' '
            '(no ground truth needed).')
    root = torch.as_tensor(root)
    B = target_index.shape[0]
    if root.dim() == 2 and root.shape == (B, 3):
        return root
    if root.dim() != 3 or root.shape[0] != B or root.shape[-1] != 3:
        raise ValueError(f"root_3d must be (B, T, 3) or (B, 3) metres with "
                         f'B = {B}; got {tuple(root.shape)}.')
    index = target_index.to(root.device).long()
    return root[torch.arange(B, device=root.device), index]
