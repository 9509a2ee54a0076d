"""Stage I -> stage II weight transfer: load selected parts of a checkpoint.

:func:`load_pretrained_parts` copies the parameters under chosen key
prefixes (:func:`map_state_dict`, default :data:`STAGE1_TO_LIFTER`: the 2D
encoder and the shared trunk) from a stage I checkpoint into a model and
logs every loaded, missing, unexpected, kept and skipped key.

``PretrainedParts`` is the ``init_cfg`` initialiser that calls it. It lives
in mpm's weight-initialiser registry (:data:`mpm.registry.
WEIGHT_INITIALIZERS`, scope ``mpm``); ``PoseAlgorithm.init_weights`` and
the runner (``default_scope='mpm'``) build ``init_cfg`` in that scope.
"""
import logging
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import nn

from mpm.registry import WEIGHT_INITIALIZERS
from mpm.utils.joint_order import check_checkpoint_joint_order

#: What to do when a stage I checkpoint has another joint order.
JOINT_ORDER_FIX = (
    'Pre-train stage I on data in the fine-tune\'s joint order, or '
    'fine-tune in the checkpoint\'s order (e.g. MpiInf3dhpDataset('
    "joint_order='h36m') reads MPI-INF-3DHP in the Human3.6M order; the "
    'model takes flip_indices and root_index from the dataset).')

#: Stage I (``MaskedPoseModeling`` / ``PSTMOPretrain``) -> stage II
#: (``PoseLifter``): the 2D encoder and the shared trunk.
STAGE1_TO_LIFTER = {'encoder.': 'encoder.', 'trunk.': 'trunk.'}


def _state_dict_of(checkpoint: Mapping) -> Mapping[str, torch.Tensor]:
    state = checkpoint.get('state_dict', checkpoint)
    return OrderedDict((re.sub(r'^module\.', '', k), v)
                       for k, v in state.items())


def map_state_dict(state: Mapping[str, torch.Tensor],
                   key_map: Mapping[str, str]
                   ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename keys by prefix. Returns (mapped, skipped source keys).

    ``key_map`` maps a source prefix to a target prefix (``{'encoder.':
    'encoder.'}``); keys under no listed prefix are skipped. The longest
    matching source prefix wins.
    """
    prefixes = sorted(key_map, key=len, reverse=True)
    mapped, skipped = OrderedDict(), []
    for key, value in state.items():
        src = next((p for p in prefixes if key.startswith(p)), None)
        if src is None:
            skipped.append(key)
        else:
            mapped[key_map[src] + key[len(src):]] = value
    return mapped, skipped


def _short_list(keys: List[str]) -> str:
    return ', '.join(keys) if keys else '(none)'


def load_pretrained_parts(model: nn.Module,
                          checkpoint: Union[str, Mapping],
                          key_map: Mapping[str, str] = STAGE1_TO_LIFTER,
                          strict: bool = False,
                          map_location: str = 'cpu',
                          logger: str = 'current') -> Dict[str, List[str]]:
    """Load the parts of a checkpoint that ``key_map`` selects into ``model``.

    Logs (``print_log``) every

    - loaded key;
    - missing key: a parameter or buffer of ``model`` under a target prefix
      of ``key_map`` that the checkpoint lacks (logged as a warning);
    - unexpected key: a mapped checkpoint key ``model`` has no slot for
      (warning);
    - kept key: a key of ``model`` outside the target prefixes, left as
      initialised (e.g. the stage II decoder);
    - skipped key: a checkpoint key outside ``key_map`` (e.g. the stage I
      decoders).

    Args:
        model: the module receiving the weights (e.g. a stage II
            ``PoseLifter``).
        checkpoint: a file path / URL (loaded by
            :func:`mpm.engine.checkpoint.load_checkpoint_source`: integrity
            checks, allow-listed ``weights_only`` loading) or an already
            loaded dict (with or without a ``state_dict`` key).
        key_map: source prefix -> target prefix (default: stage I ->
            ``PoseLifter``: ``encoder.`` and ``trunk.``).
        strict: raise if anything is missing or unexpected.
        map_location: where tensors are loaded.
        logger: MMEngine logger name.

    Returns:
        ``dict(loaded, missing, unexpected, kept, skipped)``: lists of key
        names (target names, except ``skipped``: checkpoint names).

    The checkpoint's recorded joint order (``meta['joint_order']``) must
    be the model's (``model.joint_order``, from its dataset); a checkpoint
    or model without one is loaded unchecked (logged at INFO).

    Raises:
        ValueError: a shape differs between checkpoint and model (nothing is
            loaded then), or ``strict`` and keys are missing / unexpected.
        JointOrderError: (a ``ValueError``) the checkpoint's joint order
            differs from the model's; nothing is loaded.
    """
    if isinstance(checkpoint, Mapping):
        source = 'the given state dict'
        loaded_ckpt = checkpoint
    else:
        from mpm.engine.checkpoint import load_checkpoint_source
        source = str(checkpoint)
        if '://' not in source and not osp.isfile(source):
            raise FileNotFoundError(
                f'stage I checkpoint {source} does not exist: run the '
                'pre-training config first, or point '
                'model.init_cfg.checkpoint at an existing file (e.g. '
                '--cfg-options model.init_cfg.checkpoint=PATH)')
        loaded_ckpt = load_checkpoint_source(source, map_location)
    check_checkpoint_joint_order(
        loaded_ckpt, getattr(model, 'joint_order', None),
        source if isinstance(checkpoint, Mapping) else
        f'stage I checkpoint {source}', type(model).__name__,
        JOINT_ORDER_FIX, logger=logger)
    state = _state_dict_of(loaded_ckpt)
    mapped, skipped = map_state_dict(state, key_map)
    own = model.state_dict()
    targets = tuple(key_map.values())
    loaded = [k for k in mapped if k in own]
    unexpected = [k for k in mapped if k not in own]
    missing = [
        k for k in own if k.startswith(targets) and k not in mapped
        and not k.endswith('num_batches_tracked')
    ]
    kept = [k for k in own if not k.startswith(targets)]
    mismatched = [
        f'{k}: checkpoint {tuple(mapped[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in loaded
        if mapped[k].shape != own[k].shape
    ]
    if mismatched:
        raise ValueError(f'cannot load {source} into {type(model).__name__}: '
                         'shapes differ (check num_frames, widths and depth '
                         'of both configs):\n  ' + '\n  '.join(mismatched))
    with torch.no_grad():
        for k in loaded:
            own[k].copy_(mapped[k])
    print_log(
        f'load_pretrained_parts: {source} -> {type(model).__name__} with '
        f'key map {dict(key_map)}\n'
        f'  loaded ({len(loaded)}): {_short_list(loaded)}\n'
        f'  kept as initialised, outside the key map ({len(kept)}): '
        f'{_short_list(kept)}\n'
        f'  skipped checkpoint keys, outside the key map ({len(skipped)}): '
        f'{_short_list(skipped)}',
        logger=logger)
    print_log(
        f'load_pretrained_parts: missing in the checkpoint ({len(missing)}): '
        f'{_short_list(missing)}\n'
        f'  unexpected, no such key in the model ({len(unexpected)}): '
        f'{_short_list(unexpected)}',
        logger=logger,
        level=logging.WARNING if missing or unexpected else logging.INFO)
    if strict and (missing or unexpected):
        raise ValueError(
            f'strict loading of {source}: {len(missing)} missing and '
            f'{len(unexpected)} unexpected keys (listed in the log)')
    return dict(loaded=loaded, missing=missing, unexpected=unexpected,
                kept=kept, skipped=skipped)


@WEIGHT_INITIALIZERS.register_module(name='PretrainedParts')
class PretrainedPartsInit:
    """``init_cfg`` initialiser: :func:`load_pretrained_parts` with a key map.

    Example (stage II config)::

        model = dict(init_cfg=dict(
            type='PretrainedParts', checkpoint='work_dirs/mpm_pretrain/'
            'epoch_15.pth', key_map={'encoder.': 'encoder.',
                                     'trunk.': 'trunk.'}))

    Args:
        checkpoint: path or URL of the stage I checkpoint.
        key_map: source prefix -> target prefix (default
            :data:`STAGE1_TO_LIFTER`).
        strict: raise on missing / unexpected keys.
        map_location: where tensors are loaded.
    """

    def __init__(self, checkpoint: str,
                 key_map: Optional[Mapping[str, str]] = None,
                 strict: bool = False, map_location: str = 'cpu'):
        self.checkpoint = checkpoint
        self.key_map = dict(STAGE1_TO_LIFTER if key_map is None else key_map)
        self.strict = strict
        self.map_location = map_location

    def __call__(self, module: nn.Module) -> None:
        load_pretrained_parts(module, self.checkpoint, self.key_map,
                              self.strict, self.map_location)
        if hasattr(module, '_params_init_info'):
            from mmengine.model.weight_init import update_init_info
            update_init_info(
                module,
                init_info=f'PretrainedParts: {self.key_map} from '
                f'{self.checkpoint}')
