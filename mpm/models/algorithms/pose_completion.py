"""Pose completion (MPM section 3.3.2, Tables 3 and 4): weight transfer
key maps and the deprecated ``PoseCompletion(mode=...)`` entry point.

The two tasks are two algorithms built from the parts stage I and stage II
already use:

- 2D -> 3D (Table 3): :class:`~.lifting_completion.LiftingCompletion`, the
  stage II lifter with an input masker;
- 3D -> 3D (Table 4): :class:`~.reconstruction_completion.
  ReconstructionCompletion`, stage I's 3D branch.

Submodule names equal those of the checkpoints they start from, so
``PretrainedParts`` (``init_cfg``) loads them with the key maps below.
"""
import logging
from typing import Dict, Tuple

from mmengine.logging import print_log

from mpm.registry import MODELS
from .lifting_completion import LiftingCompletion
from .reconstruction_completion import ReconstructionCompletion

COMPLETION_MODES = ('2d_to_3d', '3d_to_3d')

#: ``PretrainedParts`` key map: a stage II ``PoseLifter`` checkpoint ->
#: ``LiftingCompletion`` (everything but the mask vector).
STAGE2_TO_COMPLETION_2D = {
    'encoder.': 'encoder.',
    'trunk.': 'trunk.',
    'decoder.': 'decoder.',
    'seq_head.': 'seq_head.'
}
#: A stage I ``MaskedPoseModeling`` checkpoint -> ``LiftingCompletion``: the 2D
#: encoder, the trunk and the 2D mask vector (the lifter decoder starts
#: fresh).
STAGE1_TO_COMPLETION_2D = {
    'encoder.': 'encoder.',
    'trunk.': 'trunk.',
    'mask_vector_2d': 'mask_vector_2d'
}
#: A stage I ``MaskedPoseModeling`` checkpoint -> ``ReconstructionCompletion``:
#: the whole
#: 3D branch (encoder, trunk, decoder, mask vector).
STAGE1_TO_COMPLETION_3D = {
    'encoder_3d.': 'encoder_3d.',
    'trunk.': 'trunk.',
    'decoder_3d.': 'decoder_3d.',
    'mask_vector_3d': 'mask_vector_3d'
}

#: The algorithm of each completion task.
COMPLETION_ALGORITHMS = {
    '2d_to_3d': LiftingCompletion,
    '3d_to_3d': ReconstructionCompletion
}
#: Options of the other task that ``PoseCompletion`` accepted and ignored in
#: each mode (they are dropped), and the one it refused when set.
_IGNORED_OPTIONS = {
    '2d_to_3d': ('loss_weight', 'loss_on', 'drop_frames'),
    '3d_to_3d': ('final_weight', 'seq_weight', 'flip_test', 'flip_indices'),
}
_REFUSED_OPTION = {
    '2d_to_3d': ('keep_visible', "keep_visible is a '3d_to_3d' option (the "
                 '2D input has no 3D values to keep)'),
    '3d_to_3d': ('seq_head', "seq_head is a '2d_to_3d' part; the '3d_to_3d' "
                 'decoder reconstructs every frame already: remove seq_head'),
}


@MODELS.register_module()
def PoseCompletion(mode: str, **kwargs):  # noqa: N802 (a former class)
    """Deprecated: ``type='PoseCompletion', mode='2d_to_3d'`` builds a
    :class:`LiftingCompletion`, ``mode='3d_to_3d'`` a
    :class:`ReconstructionCompletion` (same arguments otherwise, same
    submodule names and results). Say which in the config instead."""
    if mode not in COMPLETION_ALGORITHMS:
        raise ValueError(f'PoseCompletion: mode must be one of '
                         f"{COMPLETION_MODES}, got '{mode}'")
    algorithm = COMPLETION_ALGORITHMS[mode]
    print_log(
        f"PoseCompletion(mode='{mode}') is deprecated: use "
        f"type='{algorithm.__name__}' (without mode) in the config.",
        logger='current', level=logging.WARNING)
    refused, message = _REFUSED_OPTION[mode]
    if kwargs.pop(refused, None):
        raise ValueError(message)
    for key in _IGNORED_OPTIONS[mode]:
        kwargs.pop(key, None)
    return algorithm(**kwargs)


def completion_key_map(mode: str, source: str) -> Dict[str, str]:
    """The ``PretrainedParts`` key map for ``mode`` from a ``source`` stage.

    Args:
        mode: ``'2d_to_3d'`` or ``'3d_to_3d'``.
        source: ``'stage1'`` (``MaskedPoseModeling``) or ``'stage2'``
            (``PoseLifter``; ``'2d_to_3d'`` only).

    Returns:
        source prefix -> target prefix dict.
    """
    maps: Dict[Tuple[str, str], Dict[str, str]] = {
        ('2d_to_3d', 'stage1'): STAGE1_TO_COMPLETION_2D,
        ('2d_to_3d', 'stage2'): STAGE2_TO_COMPLETION_2D,
        ('3d_to_3d', 'stage1'): STAGE1_TO_COMPLETION_3D,
    }
    if (mode, source) not in maps:
        raise ValueError(f"no key map for mode '{mode}' from '{source}': use "
                         f'one of {sorted(maps)}')
    return dict(maps[(mode, source)])
