"""Helpers the algorithms share (no registered components): masked encoding
(MAE style) and batch helpers (root zeroing, per-sample results)."""
from .masked_encoding import (apply_mask_vector, encode_masked, gather_frames,
                              new_mask_vector, seen_frames, trunk_width,
                              visible_frame_index)
from .pose_batch import split_batch_meta, zero_root

__all__ = [
    'visible_frame_index', 'apply_mask_vector', 'gather_frames',
    'encode_masked', 'new_mask_vector', 'seen_frames', 'trunk_width',
    'zero_root', 'split_batch_meta'
]
