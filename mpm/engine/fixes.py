"""One call that makes MMEngine 0.10.7 safe and usable on torch >= 2.6.

``tools/train.py``, ``tools/test.py`` and inference helpers call
:func:`apply_mmengine_fixes` before building a ``Runner``:

- checkpoint loading goes through :func:`mpm.engine.checkpoint.
  load_checkpoint_file` (``weights_only=True`` first; full unpickling only for
  files in trusted directories or with ``--trust-checkpoint``), see
  :mod:`mpm.engine.checkpoint`;
- ``init_dist`` and DDP wrapping work without CUDA (gloo backend,
  ``device_ids=None``), see :mod:`mpm.engine.distributed`;
- checkpoints are written atomically and old ones deleted only after the
  new one is complete (disk full or Ctrl-C never leave a truncated file or
  no checkpoint at all), see :mod:`mpm.engine.safe_save`.
"""
import os
from typing import Iterable, Union

from .checkpoint import TrustPolicy, configure_trust, patch_checkpoint_loading
from .distributed import patch_distributed
from .safe_save import patch_checkpoint_saving

PathOrPaths = Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]]


def apply_mmengine_fixes(trusted_dirs: PathOrPaths = (),
                         trust_checkpoint: bool = False) -> TrustPolicy:
    """Patch MMEngine (idempotent) and set the checkpoint trust policy.

    Safe to call several times; a later call replaces the trust policy (for
    instance once the run's ``work_dir`` is known).

    Args:
        trusted_dirs (str | PathLike | Iterable): Directories whose
            checkpoints may be fully unpickled, normally ``[cfg.work_dir]``.
        trust_checkpoint (bool): The user passed ``--trust-checkpoint``.

    Returns:
        TrustPolicy: The policy now in force.
    """
    patch_checkpoint_loading()
    patch_distributed()
    patch_checkpoint_saving()
    return configure_trust(trusted_dirs, trust_checkpoint)
