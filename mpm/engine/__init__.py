"""Engine helpers: safe checkpoint loading/publishing, CPU distributed fixes.

Importing this package has no side effects on MMEngine; call
:func:`apply_mmengine_fixes` to install the fixes.
"""
from .checkpoint import (CheckpointLoadError, InvalidCheckpointError,
                         TrustPolicy, UntrustedCheckpointError,
                         configure_trust, get_trust_policy, is_trusted_path,
                         load_checkpoint_bytes, load_checkpoint_file,
                         patch_checkpoint_loading, save_published,
                         strip_checkpoint)
from .distributed import patch_distributed
from .fixes import apply_mmengine_fixes

__all__ = [
    'apply_mmengine_fixes', 'configure_trust', 'get_trust_policy',
    'TrustPolicy', 'load_checkpoint_file', 'load_checkpoint_bytes',
    'is_trusted_path', 'strip_checkpoint', 'save_published',
    'patch_checkpoint_loading', 'patch_distributed', 'CheckpointLoadError',
    'UntrustedCheckpointError', 'InvalidCheckpointError'
]
