"""Per-sample transforms of mpm (registered in ``mpm.registry.TRANSFORMS``).

Batch-wise augmentation (flip, 2D noise) lives in the data preprocessor; this
package holds the few transforms that must run per sample in the dataset.
Import every module that registers a transform here.
"""

__all__ = []
