"""Batch augmentations applied inside models (training time)."""
from .detector_noise import DetectorNoise

__all__ = ['DetectorNoise']
