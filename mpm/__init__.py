"""mpm: masked pose modeling and 2D-to-3D pose lifting on MMEngine."""
from .version import __version__

__all__ = ['__version__']
