"""Importing this package registers :class:`KinematicChainMasker` in mpm's
``MASKERS`` registry (what ``custom_imports`` in the project configs does)."""
from .kinematic_chain_masker import KinematicChainMasker, descendant_table

__all__ = ['KinematicChainMasker', 'descendant_table']
