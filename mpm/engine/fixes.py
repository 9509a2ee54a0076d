"""One call that makes MMEngine 0.10.7 safe and usable on torch >= 2.6.

``tools/train.py``, ``tools/test.py`` and inference helpers call
:func:`apply_mmengine_fixes` before building a ``Runner``:

- checkpoint loading goes through :func:`mpm.engine.checkpoint.
  load_checkpoint_file` (integrity checks, ``weights_only=True`` with an
  allow-list; full unpickling only with ``--trust-checkpoint``, wherever the
  file lies), see :mod:`mpm.engine.checkpoint`;
- ``init_dist`` and DDP wrapping work without CUDA (gloo backend,
  ``device_ids=None``), see :mod:`mpm.engine.distributed`;
- checkpoints are written atomically and old ones deleted only after the
  new one is complete (disk full or Ctrl-C never leave a truncated file or
  no checkpoint at all) and record a sha256 of their payload, see
  :mod:`mpm.engine.safe_save`.
"""
from .checkpoint import TrustPolicy, configure_trust, patch_checkpoint_loading
from .distributed import patch_distributed
from .safe_save import patch_checkpoint_saving


def apply_mmengine_fixes(trust_checkpoint: bool = False) -> TrustPolicy:
    """Patch MMEngine (idempotent) and set the ``--trust-checkpoint`` flag.

    Safe to call several times; a later call replaces the flag.

    Args:
        trust_checkpoint (bool): The user passed ``--trust-checkpoint``:
            checkpoints that need globals outside the allow-list are fully
            unpickled (each logged at WARNING) instead of refused.

    Returns:
        TrustPolicy: The policy now in force.
    """
    patch_checkpoint_loading()
    patch_distributed()
    patch_checkpoint_saving()
    return configure_trust(trust_checkpoint)
