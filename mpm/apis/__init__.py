"""High-level APIs: build a model from a config and checkpoint."""
from .inference import init_lifter, load_lifter_weights
from .lift import lift, load_keypoints

__all__ = ['init_lifter', 'load_lifter_weights', 'lift', 'load_keypoints']
