"""Freeze named parts of a model while training (frozen-trunk probes,
linear probing then fine-tuning)."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
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

    With ``until_iter=N`` the parts are frozen only for the first N
    training iterations and then released (gradients on, train mode): the
    new decoder and heads first fit the transferred features, then
    everything is fine-tuned ("LP-FT", Kumar et al., ICLR 2022:
    fine-tuning can distort pre-trained features less when the head is not
    random). The optimizer holds the frozen parameters from the start
    (MMEngine's constructor keeps parameters without gradient), so they
    join it when released; Adam's state of a parameter starts at its first
    gradient. Resuming past N releases them at the first iteration.

    Args:
        parts: attribute names of the model (e.g. ``('encoder', 'trunk')``).
        until_iter: release the parts at this training iteration (None:
            frozen for the whole run).
    """

    priority = 'HIGH'

    def __init__(self, parts: Sequence[str] = ('encoder', 'trunk'),
                 until_iter: Optional[int] = None):
        if isinstance(parts, str) or not parts:
            raise ValueError('FreezePartsHook(parts=...) takes a non-empty '
                             f"list of submodule names, got {parts!r}.")
        if until_iter is not None and (isinstance(until_iter, bool) or
                                       not isinstance(until_iter, int) or
                                       until_iter < 0):
            raise ValueError('FreezePartsHook(until_iter=...) takes an '
                             'iteration number >= 0 (or None: frozen for '
                             f'the whole run), got {until_iter!r}.')
        self.parts = tuple(parts)
        self.until_iter = until_iter
        self.frozen = False

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

    def _set_frozen(self, runner, frozen: bool) -> None:
        for module in self._modules(runner):
            for param in module.parameters():
                param.requires_grad_(not frozen)
        self.frozen = frozen

    def before_train(self, runner) -> None:
        self._set_frozen(runner, True)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if not self.frozen:
            return
        if self.until_iter is not None and runner.iter >= self.until_iter:
            self._set_frozen(runner, False)
            # An epoch-based loop puts the model in train mode once per
            # epoch: the parts this hook held in eval follow the model now.
            for module in self._modules(runner):
                module.train(runner.model.training)
            print_log(f'FreezePartsHook: {list(self.parts)} released at '
                      f'iteration {runner.iter}; fine-tuning everything '
                      'from here', logger='current')
            return
        for module in self._modules(runner):
            module.eval()
