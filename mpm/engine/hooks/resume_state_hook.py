"""Exact resumption: the RNG states in the checkpoint.

MMEngine 0.10.7 saves and restores the weights (and the buffers: model state
such as the 2D/3D alternation counter of ``MaskedPoseModeling`` is a buffer),
the optimizer, the parameter schedulers and the message hub, and its
``IterBasedTrainLoop`` skips the batches already trained on. It does not
save the random number generators: a resumed run draws other dropout masks,
other pose masks and other flips than the run it continues.
:class:`ResumeStateHook` closes that gap, so that N iterations straight and
N/2 + resume + N/2 give identical weights on CPU.
"""
import logging
from typing import Any, Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mpm.registry import HOOKS
from ..rng_state import get_rng_state, set_rng_state

#: Top-level checkpoint key (``strip_checkpoint`` drops it on publishing).
RESUME_STATE_KEY = 'mpm_resume_state'


class _RestoreBeforeFetch:
    """Iterator proxy that restores the RNG states right before the
    ``skip + 1``-th batch is fetched, then puts the real iterator back.

    ``IterBasedTrainLoop.run`` fetches (and throws away) ``iter`` batches
    after ``before_train_epoch`` to skip the data already trained on; the
    fetching itself may draw random numbers (a new epoch's DataLoader
    iterator draws its base seed from torch's generator). Restoring right
    before the first real batch makes the skip irrelevant.
    """

    def __init__(self, loop: Any, skip: int, state: Dict[str, Any]):
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._remaining = int(skip)
        self._state = state

    def __iter__(self):
        return self

    def __next__(self):
        if self._remaining <= 0:
            set_rng_state(self._state)
            self._loop.dataloader_iterator = self._iterator
            return next(self._iterator)
        self._remaining -= 1
        return next(self._iterator)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iterator, name)


@HOOKS.register_module()
class ResumeStateHook(Hook):
    """Save the RNG states; restore them on ``--resume``.

    On every checkpoint it stores under ``checkpoint['mpm_resume_state']``:

    - ``rng``: for every rank, the states of Python's ``random``, NumPy's
      global generator and torch's CPU (and CUDA) generators at the moment
      the checkpoint is written (see :mod:`mpm.engine.rng_state`);
    - ``counters``: plain integer attributes named in ``counter_attrs``
      (none by default: keep model state in buffers, which the state dict
      saves), ``{'<module path>:<attribute>': value}``;
    - ``world_size``.

    When the runner *resumes* (``--resume``; not for ``load_from``) every
    rank's generators are restored right before the first new batch is
    fetched (after MMEngine's iteration-based loop has skipped the batches
    already seen; for epoch-based loops before the first epoch starts).
    Saved ``counters`` are put back before training starts, onto an integer
    attribute or a buffer of that name: checkpoints written while
    ``MaskedPoseModeling``'s alternation counter was a plain attribute
    (``{':num_paired_steps': 6}``) resume exactly. Resuming with another
    world size keeps the generators as seeded and logs a warning.

    With ``isolate_val_rng`` (default) the generators are saved before each
    validation and restored after it, so validation during training (which
    draws masks, or a DataLoader seed) does not change the random numbers
    training draws: a run validated at other intervals, or resumed without
    the validation it had, still trains identically.

    Exactness on CPU assumes a deterministic data pipeline order (MMEngine's
    seeded ``DefaultSampler``) and ``num_workers=0`` or transforms that draw
    no random numbers in worker processes.

    In distributed runs every rank's states are gathered
    (``all_gather_object``) after the training iterations / epochs in which
    a ``CheckpointHook`` will save; rank 0 writes them all.

    Args:
        counter_attrs (Sequence[str]): Plain integer model attributes to
            save (for modules that keep a counter outside their state dict).
            Defaults to none.
        isolate_val_rng (bool): See above. Defaults to True.
    """
    # After the other hooks' after_train_iter, before CheckpointHook's
    # (VERY_LOW): the generators are then exactly as when it saves.
    priority = 'LOW'

    def __init__(self,
                 counter_attrs: Sequence[str] = (),
                 isolate_val_rng: bool = True):
        if isinstance(counter_attrs, str):
            counter_attrs = (counter_attrs, )
        self.counter_attrs = tuple(counter_attrs)
        self.isolate_val_rng = bool(isolate_val_rng)
        self._gathered: Optional[Dict[str, Any]] = None
        self._loaded: Optional[Dict[str, Any]] = None
        self._val_rng: Optional[Dict[str, Any]] = None

    # ------------------------------------------------------------ counters
    @staticmethod
    def _model(runner) -> Any:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def get_counters(self, model) -> Dict[str, int]:
        """``{'<module path>:<attr>': value}`` of the integer counters."""
        counters = {}
        for name, module in model.named_modules():
            for attr in self.counter_attrs:
                value = getattr(module, attr, None)
                if isinstance(value, int) and not isinstance(value, bool):
                    counters[f'{name}:{attr}'] = value
        return counters

    @staticmethod
    def set_counters(model, counters: Dict[str, int]) -> List[str]:
        """Put saved counters back onto integer attributes or (0-dim)
        buffers; returns the entries with no target."""
        modules = dict(model.named_modules())
        unknown = []
        for key, value in counters.items():
            name, _, attr = key.rpartition(':')
            module = modules.get(name)
            if module is None or not hasattr(module, attr):
                unknown.append(key)
                continue
            target = getattr(module, attr)
            if isinstance(target, torch.Tensor):
                target.fill_(int(value))
            else:
                setattr(module, attr, int(value))
        return unknown

    # -------------------------------------------------------------- saving
    def _checkpoint_due(self, runner, after: str) -> bool:
        """Whether a ``CheckpointHook`` saves after this iteration/epoch."""
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook):
                continue
            if after == 'iter' and not hook.by_epoch and (
                    hook.every_n_train_iters(runner, hook.interval,
                                             hook.save_begin) or
                (hook.save_last and hook.is_last_train_iter(runner))):
                return True
            if after == 'epoch' and hook.by_epoch and (
                    hook.every_n_epochs(runner, hook.interval,
                                        hook.save_begin) or
                (hook.save_last and hook.is_last_train_epoch(runner))):
                return True
        return False

    def _gather_if_due(self, runner, after: str) -> None:
        if get_world_size() > 1 and self._checkpoint_due(runner, after):
            # Every rank takes part: the gather is a collective.
            self._gathered = dict(key=(runner.epoch, runner.iter),
                                  rng=all_gather_object(get_rng_state()))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self._gather_if_due(runner, 'iter')

    def after_train_epoch(self, runner) -> None:
        self._gather_if_due(runner, 'epoch')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add ``checkpoint['mpm_resume_state']`` (rank 0 only: MMEngine
        writes checkpoints on the main process)."""
        world_size = get_world_size()
        if world_size == 1:
            rng = [get_rng_state()]
        elif (self._gathered is not None
              and self._gathered['key'] == (runner.epoch, runner.iter)):
            rng = self._gathered['rng']
        else:
            # A save no CheckpointHook announced (e.g. a best checkpoint):
            # only this rank's generators are known.
            rng = [get_rng_state()] + [None] * (world_size - 1)
        checkpoint[RESUME_STATE_KEY] = dict(
            version=1,
            world_size=world_size,
            rng=rng,
            counters=self.get_counters(self._model(runner)))

    # ------------------------------------------------------------ resuming
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get(RESUME_STATE_KEY)

    def before_train(self, runner) -> None:
        state, self._loaded = self._loaded, None
        if state is None or not getattr(runner, '_resume', False):
            if getattr(runner, '_resume', False) and runner.iter + \
                    runner.epoch > 0:
                print_log(
                    'ResumeStateHook: the resumed checkpoint has no '
                    f"'{RESUME_STATE_KEY}' (written without this hook): "
                    'random numbers start afresh, so '
                    'the run will not repeat an uninterrupted one exactly.',
                    logger='current',
                    level=logging.WARNING)
            return
        unknown = self.set_counters(self._model(runner),
                                    state.get('counters', {}))
        if unknown:
            print_log(f'ResumeStateHook: no model attribute for the saved '
                      f'counters {unknown}; they were not restored.',
                      logger='current',
                      level=logging.WARNING)
        rng_states = state.get('rng') or []
        rank, world_size = get_rank(), get_world_size()
        if state.get('world_size') != world_size or rank >= len(rng_states) \
                or rng_states[rank] is None:
            print_log(
                'ResumeStateHook: the checkpoint holds no RNG state for '
                f'rank {rank} of {world_size} (saved with world size '
                f"{state.get('world_size')}): the generators stay as seeded "
                'and the resumed run will differ from an uninterrupted one.',
                logger='current',
                level=logging.WARNING)
            return
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            # IterBasedTrainLoop: restore after it skipped `iter` batches.
            loop.dataloader_iterator = _RestoreBeforeFetch(
                loop, runner.iter, rng_states[rank])
        else:
            set_rng_state(rng_states[rank])
        counters = state.get('counters') or {}
        print_log(
            'ResumeStateHook: restored the RNG states of this rank (put back '
            'before the first new batch)' +
            (f' and the model counters {counters}' if counters else '') + '.',
            logger='current')

    # ---------------------------------------------------------- validation
    def before_val(self, runner) -> None:
        if self.isolate_val_rng:
            self._val_rng = get_rng_state()

    def after_val(self, runner) -> None:
        if self._val_rng is not None:
            set_rng_state(self._val_rng)
            self._val_rng = None


def add_resume_state_hook(cfg) -> None:
    """Append ``dict(type='ResumeStateHook')`` to ``cfg.custom_hooks``
    unless the config already lists one (then its settings are kept).

    ``tools/train.py`` calls this for every run, so every checkpoint can be
    resumed exactly.
    """
    hooks = list(cfg.get('custom_hooks') or [])
    names = ('ResumeStateHook', 'mpm.ResumeStateHook')
    if not any(
            isinstance(h, dict) and h.get('type') in (*names, ResumeStateHook)
            or isinstance(h, ResumeStateHook) for h in hooks):
        hooks.append(dict(type='ResumeStateHook'))
    cfg.custom_hooks = hooks
