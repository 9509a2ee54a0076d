"""Distributed training on machines without CUDA (MMEngine 0.10.7).

MMEngine assumes a GPU per process when it sets up distribution. On a CPU-only
machine (a laptop, CI) these things break; this module patches each one, in
place and idempotently, through :func:`mpm.engine.mmengine_patches.
patch_distributed`:

1. ``mmengine.dist.utils._init_dist_pytorch`` (``--launcher pytorch``, i.e.
   torchrun) and ``_init_dist_slurm`` (``--launcher slurm``, i.e. srun) call
   ``torch.cuda.set_device(local_rank)``, which raises without CUDA, and the
   configs ask for the ``nccl`` backend, which needs CUDA. The replacements
   are used only when no accelerator (CUDA, NPU, MLU, MUSA) is available and
   ``init_backend='torch'``: they skip ``set_device`` and use ``gloo``
   (``mpi`` is kept if asked for). Otherwise they call MMEngine's original
   function unchanged. ``init_dist`` looks these helpers up in its module at
   call time, so every caller of ``init_dist`` (``Runner.setup_env``) gets
   the fix.
2. ``Runner.wrap_model`` builds ``MMDistributedDataParallel(module,
   device_ids=[LOCAL_RANK])``. PyTorch's DDP requires ``device_ids=None`` and
   ``output_device=None`` for CPU modules. ``MMDistributedDataParallel``'s
   ``__init__`` is wrapped to drop both when every parameter of the module is
   on the CPU (the same class object is used by ``wrap_model`` directly and
   by the ``MODEL_WRAPPERS`` registry, so both paths are covered). A config
   that selects plain ``type='DistributedDataParallel'`` on CPU must set
   ``device_ids=None`` itself.
3. ``sync_bn = 'torch'`` makes ``Runner.wrap_model`` convert BatchNorm to
   ``nn.SyncBatchNorm``, which only runs on GPUs (DDP refuses CPU modules
   with it). Without an accelerator ``convert_sync_batchnorm`` (as the
   runner module sees it) converts to :class:`mpm.engine.sync_bn.
   CPUSyncBatchNorm` instead: the same statistics over all ranks, computed
   with gloo all-reduces.

Gradients are all-reduced and averaged by gloo exactly as by nccl on GPUs.
"""
import functools
import os
import subprocess
from typing import Any, Callable

import torch
from mmengine.logging import print_log

from mpm.utils.moved import moved_names

_ORIGINAL_ATTR = '__mpm_original__'


def accelerator_available() -> bool:
    """True if CUDA or another accelerator MMEngine handles is present."""
    from mmengine.device import (is_mlu_available, is_musa_available,
                                 is_npu_available)
    return bool(torch.cuda.is_available() or is_npu_available()
                or is_mlu_available() or is_musa_available())


def cpu_backend(backend: str) -> str:
    """The backend to use without CUDA: ``gloo`` unless ``mpi`` was asked."""
    if backend in ('gloo', 'mpi'):
        return backend
    print_log(
        f"No CUDA device: using the 'gloo' backend instead of '{backend}'.",
        logger='current')
    return 'gloo'


def _mark(wrapper: Callable, original: Callable) -> Callable:
    setattr(wrapper, _ORIGINAL_ATTR, original)
    return wrapper


def original_of(func: Callable) -> Callable:
    """The unpatched MMEngine function behind a wrapper made here."""
    return getattr(func, _ORIGINAL_ATTR, func)


def _make_init_dist_pytorch(original: Callable) -> Callable:

    @functools.wraps(original)
    def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        if accelerator_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        # torchrun sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR/PORT: the
        # default env:// init method reads them.
        torch.distributed.init_process_group(backend=cpu_backend(backend),
                                             **kwargs)

    return _mark(_init_dist_pytorch, original)


def _make_init_dist_slurm(original: Callable) -> Callable:

    @functools.wraps(original)
    def _init_dist_slurm(backend,
                         port=None,
                         init_backend='torch',
                         **kwargs) -> None:
        if accelerator_available() or init_backend != 'torch':
            return original(backend,
                            port=port,
                            init_backend=init_backend,
                            **kwargs)
        proc_id = int(os.environ['SLURM_PROCID'])
        ntasks = int(os.environ['SLURM_NTASKS'])
        local_rank = int(os.environ.get('SLURM_LOCALID', 0))
        if port is not None:
            os.environ['MASTER_PORT'] = str(port)
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            node_list = os.environ['SLURM_NODELIST']
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1')
        os.environ['WORLD_SIZE'] = str(ntasks)
        os.environ['LOCAL_RANK'] = str(local_rank)
        os.environ['RANK'] = str(proc_id)
        torch.distributed.init_process_group(backend=cpu_backend(backend),
                                             **kwargs)

    return _mark(_init_dist_slurm, original)


def _on_cpu(module: Any) -> bool:
    devices = {p.device.type for p in module.parameters()}
    return devices == {'cpu'}


def _make_ddp_init(original: Callable) -> Callable:

    @functools.wraps(original)
    def __init__(self, module, *args, **kwargs) -> None:
        if kwargs.get('device_ids') is not None and _on_cpu(module):
            kwargs['device_ids'] = None
            kwargs['output_device'] = None
        original(self, module, *args, **kwargs)

    return _mark(__init__, original)


def _make_convert_sync_bn(original: Callable) -> Callable:

    @functools.wraps(original)
    def convert_sync_batchnorm(module, implementation='torch'):
        if implementation != 'torch' or accelerator_available():
            return original(module, implementation)
        from .sync_bn import convert_cpu_sync_batchnorm
        print_log(
            "No CUDA device: sync_bn='torch' uses mpm's CPUSyncBatchNorm "
            '(BatchNorm statistics all-reduced over the ranks with gloo).',
            logger='current')
        return convert_cpu_sync_batchnorm(module)

    return _mark(convert_sync_batchnorm, original)



#: Old location of ``patch_distributed``
#: (now in :mod:`mpm.engine.mmengine_patches`).
__getattr__ = moved_names(
    __name__, {'patch_distributed': 'mpm.engine.mmengine_patches'})
