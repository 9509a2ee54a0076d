"""Skeleton facts from the data: the dataset's metainfo to the model, the
model's joint order into every checkpoint, and a clear error when a loaded
checkpoint has another joint order."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mpm.registry import HOOKS
from mpm.utils.joint_order import (JOINT_ORDER_KEY, check_joint_order,
                                   checkpoint_joint_order,
                                   check_checkpoint_joint_order)

#: What to do about a checkpoint of another joint order.
CHECKPOINT_FIX = (
    'Use a checkpoint trained on data of the same joint order, or set the '
    "dataset to the checkpoint's order (MpiInf3dhpDataset(joint_order="
    "'h36m') reads MPI-INF-3DHP in the Human3.6M order).")


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def _loop_dataset(runner, *names: str):
    """The dataset of the first already built loop among ``names``."""
    for name in names:
        loop = getattr(runner, name, None)
        if isinstance(loop, BaseLoop):
            return loop.dataloader.dataset
    return None


@HOOKS.register_module()
class DatasetMetaHook(Hook):
    """Give the model its dataset's ``metainfo`` and keep checkpoints honest
    about their joint order.

    - ``before_run`` (before weights are initialised, so ``PretrainedParts``
      can check its checkpoint, and before ``load_from`` / resume): the
      training set's metainfo (else the test or validation set's) goes to
      ``model.set_dataset_meta``: ``flip_indices`` and ``root_index`` not
      set in the config take the dataset's values (set ones are checked).
      ``before_val`` / ``before_test`` do the same with that loop's data (a
      dataset of another joint order is an error). Metrics get
      ``dataset_meta`` from MMEngine's loops.
    - ``before_save_checkpoint``: ``meta['joint_order']`` = the model's
      joint order (``skeleton``, ``joint_names``, ``flip_indices``,
      ``root``).
    - ``after_load_checkpoint``: a checkpoint whose recorded joint order
      differs from the model's raises
      :class:`~mpm.utils.joint_order.JointOrderError`; one without a record
      (older, converted official) loads unchecked (logged at INFO). A
      checkpoint loaded before the run starts (``tools/test.py``) is
      checked once the model has its dataset's metainfo.

    ``tools/train.py`` and ``tools/test.py`` add it to ``default_hooks``
    (:func:`mpm.utils.config.load_config`).
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._pending: Optional[dict] = None

    def _set_meta(self, runner, dataset) -> None:
        info = getattr(dataset, 'metainfo', None)
        model = _unwrap(runner.model)
        if info and hasattr(model, 'set_dataset_meta'):
            model.set_dataset_meta(info)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            check_joint_order(pending, getattr(model, 'joint_order', None),
                              'the loaded checkpoint',
                              f'the {type(model).__name__} built from the '
                              'config (its dataset)', CHECKPOINT_FIX)

    def before_run(self, runner) -> None:
        self._set_meta(runner, _loop_dataset(runner, '_train_loop',
                                             '_test_loop', '_val_loop'))

    def before_val(self, runner) -> None:
        self._set_meta(runner, _loop_dataset(runner, '_val_loop'))

    def before_test(self, runner) -> None:
        self._set_meta(runner, _loop_dataset(runner, '_test_loop'))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        order = getattr(_unwrap(runner.model), 'joint_order', None)
        if order is not None:
            checkpoint.setdefault('meta', {})[JOINT_ORDER_KEY] = order

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = _unwrap(runner.model)
        order = getattr(model, 'joint_order', None)
        if order is None and checkpoint_joint_order(checkpoint) is not None:
            # loaded before the run (tools/test.py): check in before_run
            self._pending = checkpoint_joint_order(checkpoint)
            return
        check_checkpoint_joint_order(
            checkpoint, order, f'checkpoint {runner._load_from}'
            if runner._load_from else 'the loaded checkpoint',
            type(model).__name__, CHECKPOINT_FIX)
