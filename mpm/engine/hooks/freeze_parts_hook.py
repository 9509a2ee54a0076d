"""Freeze named parts of a model while training (frozen-trunk probes)."""
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mpm.registry import HOOKS


@HOOKS.register_module()
class FreezePartsHook(Hook):
    """Keep submodules fixed: no gradient, no BatchNorm statistic update.

    Before training the parameters of every listed submodule get
    ``requires_grad=False`` (optimisers skip parameters without gradient,
    weight decay included); before every training iteration the parts are
    put in ``eval()`` mode, so BatchNorm running statistics and dropout stay
    as after initialisation (e.g. the stage I encoder and trunk loaded by
    ``init_cfg``). Used by the frozen-trunk probe of
    ``tools/analysis_tools/pretrain_ablation.py``: only the decoder and heads
    of the lifter learn.

    Args:
        parts: attribute names of the model (e.g. ``('encoder', 'trunk')``).
    """

    priority = 'HIGH'

    def __init__(self, parts: Sequence[str] = ('encoder', 'trunk')):
        if isinstance(parts, str) or not parts:
            raise ValueError('FreezePartsHook(parts=...) takes a non-empty '
                             f"list of submodule names, got {parts!r}.")
        self.parts = tuple(parts)

    def _modules(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        missing = [p for p in self.parts if not hasattr(model, p)]
        if missing:
            raise AttributeError(
                f'FreezePartsHook: {type(model).__name__} has no part '
                f'{missing}; its children are '
                f'{[n for n, _ in model.named_children()]}.')
        return [getattr(model, p) for p in self.parts]

    def before_train(self, runner) -> None:
        for module in self._modules(runner):
            for param in module.parameters():
                param.requires_grad_(False)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        for module in self._modules(runner):
            module.eval()
