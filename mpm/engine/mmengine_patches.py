"""Every change mpm makes to MMEngine 0.10.7, installed in one place.

Importing :mod:`mpm.engine` (or this module) changes nothing.
:func:`apply_mmengine_patches` (also importable under its old name
``apply_mmengine_fixes``) installs the patches below, idempotently;
``tools/train.py`` and ``tools/test.py`` call it before building a
``Runner``. The replacement code lives with its topic
(:mod:`.checkpoint`, :mod:`.safe_save`, :mod:`.distributed`); this module is
the only one that writes into MMEngine's modules and classes.

1. **Checkpoint loading** (trust policy of :mod:`mpm.engine.checkpoint`):
   ``CheckpointLoader`` schemes ``''`` (local files) and ``http://`` /
   ``https://`` are re-registered (``force=True``) with the policy's loaders,
   and ``mmengine.runner.checkpoint.load_from_http`` is rebound, so that
   ``torchvision://``, ``mmcls://`` and ``open-mmlab://`` (which call it)
   follow too. Every ``_load_checkpoint`` caller (``Runner.load_checkpoint``,
   ``Runner.resume``, ``load_from``, ``init_cfg=dict(type='Pretrained')``)
   then loads allow-listed ``weights_only`` with integrity checks. Other
   schemes (``pavi://``, ``s3://``, ``petrel://``) keep MMEngine's loaders,
   which call ``torch.load`` with torch's default ``weights_only=True``.
2. **Checkpoint saving** (:mod:`mpm.engine.safe_save`):
   ``mmengine.runner.checkpoint.save_checkpoint`` (and the names
   ``mmengine.runner`` and ``mmengine.runner.runner`` imported) writes
   atomically and records ``meta['payload_sha256']``;
   ``CheckpointHook._save_checkpoint_with_step`` and
   ``_save_best_checkpoint`` delete old checkpoints only after the new one
   is written.
3. **No unused FileClient**: ``CheckpointHook.before_train`` (and
   ``LoggerHook.__init__`` given an ``out_dir``) builds a ``FileClient`` it
   never uses unless the config gives ``file_client_args``; MMEngine
   deprecated ``FileClient``, so each run printed two deprecation warnings
   (``"FileClient" will be deprecated``, ``"HardDiskBackend" is the alias
   of "LocalBackend"``). The two hook modules' ``FileClient`` name is
   replaced by :class:`DeferredFileClient`, which builds the real client on
   first use only.
4. **Distribution without CUDA** (:mod:`mpm.engine.distributed`):
   ``mmengine.dist.utils._init_dist_pytorch`` / ``_init_dist_slurm`` (gloo,
   no ``set_device``), ``MMDistributedDataParallel.__init__``
   (``device_ids=None`` for CPU modules) and the runner module's
   ``convert_sync_batchnorm`` (``CPUSyncBatchNorm``), each only when no
   accelerator is present.
5. The ``--trust-checkpoint`` flag is set (:func:`configure_trust`).

Registries are not patched: mpm's components live in ``mpm`` children of
MMEngine's registries (:mod:`mpm.registry`).
"""
from typing import Any, Optional, Union

from .checkpoint import (TrustPolicy, configure_trust, load_from_http_safe,
                         load_from_local_safe)
from .distributed import (_ORIGINAL_ATTR, _make_convert_sync_bn,
                          _make_ddp_init, _make_init_dist_pytorch,
                          _make_init_dist_slurm)
from .safe_save import _make_deferred, atomic_save_checkpoint

__all__ = [
    'apply_mmengine_patches', 'apply_mmengine_fixes',
    'patch_checkpoint_loading', 'patch_checkpoint_saving',
    'patch_checkpoint_hook_file_client', 'patch_distributed',
    'DeferredFileClient'
]


def patch_checkpoint_loading() -> None:
    """Patch 1: MMEngine's checkpoint loaders under the trust policy."""
    import mmengine.runner.checkpoint as mm_ckpt
    loader = mm_ckpt.CheckpointLoader
    loader.register_scheme('', load_from_local_safe, force=True)
    loader.register_scheme(('http://', 'https://'),
                           load_from_http_safe,
                           force=True)
    mm_ckpt.load_from_http = load_from_http_safe


def patch_checkpoint_saving() -> None:
    """Patch 2: atomic checkpoint writes, removals after the new save."""
    import functools

    import mmengine.runner as mm_runner
    import mmengine.runner.checkpoint as mm_ckpt
    import mmengine.runner.runner as mm_runner_mod
    from mmengine.hooks import CheckpointHook

    if not hasattr(mm_ckpt.save_checkpoint, _ORIGINAL_ATTR):
        original = mm_ckpt.save_checkpoint

        @functools.wraps(original)
        def save_checkpoint(checkpoint, filename, file_client_args=None,
                            backend_args=None):
            return atomic_save_checkpoint(checkpoint, filename,
                                          file_client_args, backend_args)

        setattr(save_checkpoint, _ORIGINAL_ATTR, original)
        mm_ckpt.save_checkpoint = save_checkpoint
    # Modules that imported the function by name.
    mm_runner_mod.save_checkpoint = mm_ckpt.save_checkpoint
    mm_runner.save_checkpoint = mm_ckpt.save_checkpoint

    for name in ('_save_checkpoint_with_step', '_save_best_checkpoint'):
        method = CheckpointHook.__dict__[name]
        if not hasattr(method, _ORIGINAL_ATTR):
            setattr(CheckpointHook, name, _make_deferred(method))


class DeferredFileClient:
    """Stands in for ``mmengine.fileio.FileClient`` inside MMEngine's
    checkpoint and logger hook modules (patch 3).

    ``DeferredFileClient.infer_client(None, uri)`` returns a proxy that
    builds ``FileClient.infer_client(None, uri)`` (and prints MMEngine's
    deprecation notices) only when an attribute of it is first used; with
    ``file_client_args`` it builds the client at once, as MMEngine does.
    """

    def __init__(self, uri: Any):
        self._uri = uri
        self._client = None

    @classmethod
    def infer_client(cls, file_client_args: Optional[dict] = None,
                     uri: Optional[Union[str, Any]] = None) -> Any:
        if file_client_args is not None:
            from mmengine.fileio import FileClient
            return FileClient.infer_client(file_client_args, uri)
        return cls(uri)

    def __getattr__(self, name: str) -> Any:
        if name.startswith('_'):
            raise AttributeError(name)
        if self._client is None:
            from mmengine.fileio import FileClient
            self._client = FileClient.infer_client(None, self._uri)
        return getattr(self._client, name)


def patch_checkpoint_hook_file_client() -> None:
    """Patch 3: ``CheckpointHook`` and ``LoggerHook`` build no
    ``FileClient`` they do not use."""
    import mmengine.hooks.checkpoint_hook as checkpoint_hook
    import mmengine.hooks.logger_hook as logger_hook
    checkpoint_hook.FileClient = DeferredFileClient
    logger_hook.FileClient = DeferredFileClient


def patch_distributed() -> None:
    """Patch 4: distribution without CUDA. Idempotent: patching twice wraps
    only once."""
    import mmengine.dist.utils as dist_utils
    import mmengine.runner.runner as runner_module
    from mmengine.model import MMDistributedDataParallel

    if not hasattr(dist_utils._init_dist_pytorch, _ORIGINAL_ATTR):
        dist_utils._init_dist_pytorch = _make_init_dist_pytorch(
            dist_utils._init_dist_pytorch)
    if not hasattr(dist_utils._init_dist_slurm, _ORIGINAL_ATTR):
        dist_utils._init_dist_slurm = _make_init_dist_slurm(
            dist_utils._init_dist_slurm)
    init = MMDistributedDataParallel.__dict__['__init__']
    if not hasattr(init, _ORIGINAL_ATTR):
        MMDistributedDataParallel.__init__ = _make_ddp_init(init)
    if not hasattr(runner_module.convert_sync_batchnorm, _ORIGINAL_ATTR):
        runner_module.convert_sync_batchnorm = _make_convert_sync_bn(
            runner_module.convert_sync_batchnorm)


def apply_mmengine_patches(trust_checkpoint: bool = False) -> TrustPolicy:
    """Install every patch of the module docstring (idempotent) and set the
    ``--trust-checkpoint`` flag.

    Safe to call several times; a later call replaces the flag.

    Args:
        trust_checkpoint (bool): The user passed ``--trust-checkpoint``:
            checkpoints that need globals outside the allow-list are fully
            unpickled (each logged at WARNING) instead of refused.

    Returns:
        TrustPolicy: The policy now in force.
    """
    patch_checkpoint_loading()
    patch_checkpoint_saving()
    patch_checkpoint_hook_file_client()
    patch_distributed()
    return configure_trust(trust_checkpoint)


#: The name tools and tests used before the patches moved here.
apply_mmengine_fixes = apply_mmengine_patches
