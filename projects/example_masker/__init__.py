"""The example_masker project: a kinematic-chain masker plug-in."""
