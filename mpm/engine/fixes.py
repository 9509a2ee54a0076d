"""Old location of :func:`apply_mmengine_fixes`: every MMEngine patch is now
installed by :mod:`mpm.engine.mmengine_patches` (``apply_mmengine_patches``,
also importable as ``apply_mmengine_fixes``)."""
from .mmengine_patches import apply_mmengine_fixes, apply_mmengine_patches

__all__ = ['apply_mmengine_fixes', 'apply_mmengine_patches']
