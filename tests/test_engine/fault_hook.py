"""A hook that freezes a training subprocess at a chosen point, so that the
fault-injection tests (test_faults.py) can kill or interrupt it there.

Loaded by a test config with ``custom_imports = dict(imports=
['fault_hook'])`` (this folder on ``PYTHONPATH``). While frozen, the hook
has written ``marker`` (the test waits for it); it draws no random numbers,
so a run with it trains exactly like one without it.
"""
import os
import time

from mmengine.hooks import Hook

from mpm.registry import HOOKS

#: Longer than any test waits: the test always kills the process first.
FREEZE_S = 600


def _freeze(marker: str) -> None:
    with open(marker, 'w') as f:
        f.write(str(os.getpid()))
    time.sleep(FREEZE_S)


class _SlowToPickle:
    """Pickling this object freezes ``torch.save`` half-way: the temporary
    checkpoint file exists, the checkpoint does not."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        _freeze(self.marker)
        return (dict, ())


@HOOKS.register_module(force=True)
class FaultHook(Hook):
    """Freeze after training iteration ``pause_after_iter`` (1-based), or in
    the middle of writing the checkpoint of iteration ``freeze_save_at``.

    Args:
        marker (str): File written when the process freezes.
        pause_after_iter (int, optional): Freeze after this iteration.
        freeze_save_at (int, optional): Freeze while saving the checkpoint
            of this iteration.
    """

    def __init__(self, marker, pause_after_iter=None, freeze_save_at=None):
        self.marker = marker
        self.pause_after_iter = pause_after_iter
        self.freeze_save_at = freeze_save_at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.pause_after_iter:
            _freeze(self.marker)

    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta'].get('iter') == self.freeze_save_at:
            checkpoint['freeze'] = _SlowToPickle(self.marker)
