"""Synchronised BatchNorm for distributed training on CPUs (gloo).

PyTorch's ``nn.SyncBatchNorm`` only runs on GPUs (its forward and DDP's
constructor both refuse CPU modules), so ``sync_bn = 'torch'`` in a config
fails on a CPU-only machine. :class:`CPUSyncBatchNorm` computes the batch
statistics over all ranks with autograd-aware all-reduces
(``torch.distributed.nn.functional.all_reduce``), so a DDP step with it
equals one single-process step with plain BatchNorm on the concatenation of
the ranks' batches: the same normalisation, the same gradients, the same
running statistics. :func:`mpm.engine.distributed.patch_distributed`
makes MMEngine's ``convert_sync_batchnorm(model, 'torch')`` (called by
``Runner.wrap_model`` for ``sync_bn='torch'``) use it when no accelerator is
available.
"""
from typing import Optional

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def _sync_active(group) -> bool:
    return (dist.is_available() and dist.is_initialized()
            and dist.get_world_size(group) > 1)


class CPUSyncBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics span every rank of ``group``.

    Input (N, C) or (N, C, L, ...); statistics per channel C over N and all
    trailing axes of every rank (two passes: the global mean, then the
    global mean squared deviation). Running mean / variance (unbiased, over
    the global count) are updated identically on every rank. Outside
    training, or without an initialised process group of more than one
    rank, it is plain BatchNorm. State-dict keys are those of
    ``nn.BatchNorm1d``.

    Args:
        num_features, eps, momentum, affine, track_running_stats: as in
            ``nn.BatchNorm1d``.
        process_group: the group to synchronise over (default: all ranks).
    """

    def __init__(self, num_features: int, eps: float = 1e-5,
                 momentum: Optional[float] = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine,
                         track_running_stats, device=device, dtype=dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f'expected at least 2D input (N, C, ...), got '
                             f'{input.dim()}D')

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        group = self.process_group or dist.group.WORLD
        if not (self.training and _sync_active(group)):
            return super().forward(input)
        from torch.distributed.nn.functional import all_reduce

        channels = input.shape[1]
        dims = [0] + list(range(2, input.dim()))
        shape = [1, channels] + [1] * (input.dim() - 2)
        local_count = input.numel() // max(channels, 1)
        count_sum = torch.cat([
            input.sum(dims),
            input.new_tensor([float(local_count)])
        ])
        count_sum = all_reduce(count_sum, group=group)
        total = count_sum[-1]
        mean = count_sum[:channels] / total
        centred = input - mean.view(shape)
        var = all_reduce((centred * centred).sum(dims), group=group) / total
        out = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)

        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                if self.momentum is None:
                    factor = 1.0 / float(self.num_batches_tracked)
                else:
                    factor = self.momentum
                n = float(total)
                unbiased = var.detach() * (n / max(n - 1.0, 1.0))
                self.running_mean.mul_(1 - factor).add_(factor *
                                                        mean.detach())
                self.running_var.mul_(1 - factor).add_(factor * unbiased)
        return out


def convert_cpu_sync_batchnorm(module: nn.Module,
                               process_group=None) -> nn.Module:
    """Replace every BatchNorm layer of ``module`` by
    :class:`CPUSyncBatchNorm`, keeping weights, running statistics and
    ``requires_grad``. Returns the converted module (``module`` itself
    unless it is a BatchNorm layer)."""
    if isinstance(module, _BatchNorm) and not isinstance(
            module, CPUSyncBatchNorm):
        new = CPUSyncBatchNorm(module.num_features, module.eps,
                               module.momentum, module.affine,
                               module.track_running_stats, process_group)
        with torch.no_grad():
            if module.affine:
                new.weight.copy_(module.weight)
                new.bias.copy_(module.bias)
                new.weight.requires_grad_(module.weight.requires_grad)
                new.bias.requires_grad_(module.bias.requires_grad)
            if module.track_running_stats:
                new.running_mean.copy_(module.running_mean)
                new.running_var.copy_(module.running_var)
                new.num_batches_tracked.copy_(module.num_batches_tracked)
        new.train(module.training)
        return new
    for name, child in module.named_children():
        converted = convert_cpu_sync_batchnorm(child, process_group)
        if converted is not child:
            setattr(module, name, converted)
    return module
