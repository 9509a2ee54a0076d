"""Drawing helpers: mask figures (more to come: skeletons, curves).

Names are imported lazily, so importing :mod:`mpm.visualization` (which the
VISUALIZERS registry does) does not load matplotlib, and
``python -m mpm.visualization.mask_figure`` runs without a double import.
"""
import importlib

_LAZY = {
    'CANONICAL_POSE_2D': 'mask_figure',
    'default_mask_strategies': 'mask_figure',
    'draw_mask_grid': 'mask_figure',
    'draw_skeleton': 'mask_figure',
    'mask_strategies_figure': 'mask_figure',
    'sample_masks': 'mask_figure',
    'draw_pose_2d': 'skeleton_drawing',
    'draw_pose_3d': 'skeleton_drawing',
    'render_animation': 'animation',
    'render_comparison': 'animation',
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f'.{_LAZY[name]}', __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'mpm.visualization' has no attribute "
                         f"'{name}'")
