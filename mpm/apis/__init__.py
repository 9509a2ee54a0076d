"""High-level APIs: build a model from a config and checkpoint, read 2D
detector output, lift it to 3D."""
from .inference import init_lifter, load_lifter_weights
from .keypoint_files import KeypointTracks, load_keypoints, load_tracks
from .lift import lift

__all__ = ['init_lifter', 'load_lifter_weights', 'lift', 'load_keypoints',
           'load_tracks', 'KeypointTracks']
