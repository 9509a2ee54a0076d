"""Engine helpers: safe, checked checkpoint loading/publishing (trust
policy: :mod:`.checkpoint`, :mod:`.checkpoint_allowlist`,
:mod:`.checkpoint_integrity`), crash-safe saving, CPU distribution, hooks.

Importing this package has no side effects on MMEngine (it registers mpm's
hooks in mpm's own registry); :func:`apply_mmengine_patches` (old name
:func:`apply_mmengine_fixes`) installs every MMEngine patch, all listed in
:mod:`mpm.engine.mmengine_patches`.
"""
from .checkpoint import (CheckpointLoadError, CorruptCheckpointError,
                         InvalidCheckpointError, TrustPolicy,
                         UntrustedCheckpointError, configure_trust,
                         get_trust_policy, load_checkpoint_bytes,
                         load_checkpoint_file, save_published,
                         strip_checkpoint)
from .hooks import PoseVisualizationHook  # registers the hooks, no patches
from .hooks.resume_state_hook import (ResumeStateHook,
                                      add_resume_state_hook)
from .mmengine_patches import (apply_mmengine_fixes, apply_mmengine_patches,
                               patch_checkpoint_hook_file_client,
                               patch_checkpoint_loading,
                               patch_checkpoint_saving, patch_distributed)
from .safe_save import CheckpointSaveError, atomic_save_checkpoint
from .speed import (AmpUnavailableError, AutocastOptimWrapper,
                    apply_amp, apply_compile, apply_fused_optimizer,
                    select_amp)
from .work_dir import (WorkDirError, check_work_dir, find_last_checkpoint,
                       remove_stale_temp_files)

__all__ = [
    'PoseVisualizationHook',
    'ResumeStateHook', 'CheckpointSaveError', 'atomic_save_checkpoint',
    'patch_checkpoint_saving', 'WorkDirError', 'check_work_dir',
    'find_last_checkpoint', 'remove_stale_temp_files',
    'add_resume_state_hook',
    'apply_mmengine_fixes', 'apply_mmengine_patches',
    'patch_checkpoint_hook_file_client', 'configure_trust', 'get_trust_policy',
    'TrustPolicy', 'load_checkpoint_file', 'load_checkpoint_bytes',
    'strip_checkpoint', 'save_published',
    'patch_checkpoint_loading', 'patch_distributed', 'CheckpointLoadError',
    'UntrustedCheckpointError', 'InvalidCheckpointError',
    'CorruptCheckpointError',
    'AutocastOptimWrapper', 'AmpUnavailableError', 'select_amp', 'apply_amp',
    'apply_fused_optimizer', 'apply_compile'
]
