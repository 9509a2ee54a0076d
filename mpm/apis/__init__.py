"""High-level APIs: build a model from a config and checkpoint."""
from .inference import init_lifter, load_lifter_weights

__all__ = ['init_lifter', 'load_lifter_weights']
