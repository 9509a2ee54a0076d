"""Batch helpers every algorithm shares: root-relative poses for the losses
and predictions (:func:`zero_root`) and per-sample result dicts from a
collated batch (:func:`split_batch_meta`)."""
from typing import List, Optional

import torch


def zero_root(pose: torch.Tensor, root_index: int = 0) -> torch.Tensor:
    """Set the root joint to the origin: (..., J, 3) -> (..., J, 3)."""
    keep = torch.ones(pose.shape[-2], 1, dtype=pose.dtype, device=pose.device)
    keep[root_index] = 0
    return pose * keep


def split_batch_meta(meta: Optional[dict], batch_size: int) -> List[dict]:
    """Turn a collated ``meta`` (dict of lists/tensors) into per-sample
    dicts."""
    samples = [dict() for _ in range(batch_size)]
    for key, values in (meta or {}).items():
        if isinstance(values, torch.Tensor):
            values = values.tolist()
        for i in range(batch_size):
            samples[i][key] = values[i]
    return samples
