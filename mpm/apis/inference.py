"""Build a lifter from a config and load its weights for inference."""
import os
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from mpm.engine.checkpoint import load_checkpoint_file
from mpm.utils.joint_order import checkpoint_joint_order

ConfigType = Union[str, os.PathLike, Config, dict]

#: Key prefixes only the official P-STMO / MPM files use.
_OFFICIAL_MARKERS = ('Transformer_reduce.', 'fcn.', 'fcn_1.',
                     'shared_layers_temporal.', 'encoder.fc_1.',
                     'encoder2d.fc_1.')


def _load_config(config: ConfigType) -> Config:
    if isinstance(config, (str, os.PathLike)):
        return Config.fromfile(os.fspath(config))
    if isinstance(config, Config):
        return config
    if isinstance(config, dict):
        return Config(config if 'model' in config else dict(model=config))
    raise TypeError('config must be a path, a Config or a dict, got '
                    f'{type(config).__name__}')


def _state_dict_of(ckpt, name: str) -> dict:
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt,
                                                            dict) else None
    if not isinstance(state_dict, dict):
        raise TypeError(f"Checkpoint '{name}' holds a "
                        f'{type(ckpt).__name__}, not a state dict.')
    if state_dict and all(k.startswith('module.') for k in state_dict):
        state_dict = {k[len('module.'):]: v for k, v in state_dict.items()}
    return state_dict


def load_lifter_weights(model: nn.Module, checkpoint: Union[str,
                                                            os.PathLike],
                        trust_checkpoint: bool = False) -> nn.Module:
    """Load a checkpoint file strictly into ``model``.

    The file is read with :func:`mpm.engine.load_checkpoint_file`:
    integrity checks (:class:`mpm.engine.CorruptCheckpointError`), then
    ``torch.load(weights_only=True)`` with the allow-list of mpm/MMEngine
    checkpoints, wherever the file lies; full unpickling (which can run
    code) only with ``trust_checkpoint=True``, otherwise
    :class:`mpm.engine.UntrustedCheckpointError` is raised.

    Args:
        model: the built model.
        checkpoint: a ``.pth`` with ``state_dict`` (mpm / MMEngine) or a
            bare state dict; a ``module.`` prefix on every key is removed.
        trust_checkpoint: allow full unpickling of this file.

    The checkpoint's recorded joint order (``meta['joint_order']``, else
    the metainfo of its training set, ``meta['dataset_meta']``) sets the
    model's ``flip_indices`` / ``root_index`` not given in the config (a
    configured value must agree).

    Raises:
        ValueError: the weights do not fit the model (missing / unexpected
            keys or shapes are listed), or the file is an unconverted
            official P-STMO / MPM checkpoint.
    """
    name = os.fspath(checkpoint)
    ckpt = load_checkpoint_file(name, map_location='cpu',
                                trust=trust_checkpoint)
    state_dict = _state_dict_of(ckpt, name)
    ours = model.state_dict()
    missing = [k for k in ours if k not in state_dict]
    unexpected = [k for k in state_dict if k not in ours]
    if unexpected and any(k.startswith(_OFFICIAL_MARKERS) for k in unexpected):
        raise ValueError(
            f"'{name}' looks like an official P-STMO / MPM checkpoint. "
            'Convert it first: python tools/model_converters/'
            'convert_official.py SRC --format pstmo|mpm --out DST.pth '
            '--out-config DST.py, then use DST.py and DST.pth.')
    if missing or unexpected:
        raise ValueError(
            f"Checkpoint '{name}' does not fit the model built from the "
            f'config: missing keys {missing[:20]}'
            f'{" ..." if len(missing) > 20 else ""} ({len(missing)}), '
            f'unexpected keys {unexpected[:20]}'
            f'{" ..." if len(unexpected) > 20 else ""} ({len(unexpected)}). '
            'Check that the config matches the checkpoint.')
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as err:
        raise ValueError(f"Checkpoint '{name}' does not fit the model built "
                         f'from the config: {err}') from err
    if hasattr(model, 'set_joint_order'):
        # flip_indices / root_index not set in the config: the checkpoint's
        # (its joint order, else the metainfo of its training set)
        order = checkpoint_joint_order(ckpt)
        if order is not None:
            model.set_joint_order(order)
        elif isinstance(ckpt.get('meta'), dict):
            model.set_dataset_meta(ckpt['meta'].get('dataset_meta'))
    return model


def init_lifter(config: ConfigType,
                checkpoint: Optional[Union[str, os.PathLike]] = None,
                device: Union[str, torch.device] = 'cpu',
                cfg_options: Optional[dict] = None,
                trust_checkpoint: bool = False) -> nn.Module:
    """Build a lifter from a config, load its weights, return it in eval mode.

    Args:
        config: a config file path, a :class:`mmengine.Config`, or a dict
            (a full config with ``model``, or a model config).
        checkpoint: weights to load (see :func:`load_lifter_weights`);
            None keeps the initial weights.
        device: where the model goes ('cpu', 'cuda:0', ...).
        cfg_options: overrides merged into the config
            (``{'model.flip_test': False}``).
        trust_checkpoint: allow full unpickling of ``checkpoint`` (only for
            files whose origin you trust).

    Returns:
        The model (e.g. ``PoseLifter``) in eval mode, with the config as
        ``model.cfg``. ``model(x, mode='tensor')`` with ``x`` (B, F, J, 2)
        normalised screen coordinates returns the raw head outputs
        ``(final (B, 1, J, 3), sequence (B, F, J, 3))`` in metres.
    """
    cfg = _load_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError('The config has no `model` entry.')
    import mpm.models  # noqa: F401  (registers the components)
    from mpm.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'mpm')):
        model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_lifter_weights(model, checkpoint, trust_checkpoint)
    model.cfg = cfg
    return model.to(device).eval()


__all__ = ['init_lifter', 'load_lifter_weights']
