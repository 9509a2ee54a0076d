"""Old import locations that keep working after a name moved.

A module whose names moved elsewhere sets
``__getattr__ = moved_names(__name__, {'old_name': 'new.module'})``: asking
it for ``old_name`` imports ``new.module`` then (not when the old module is
imported, so the new module may itself import the old one) and returns the
name from there; any other missing name is the usual ``AttributeError``.
"""
import importlib
from typing import Any, Callable, Dict

__all__ = ['moved_names']


def moved_names(module_name: str,
                new_homes: Dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``module_name`` that finds each
    name of ``new_homes`` (name -> dotted module path) in its new module."""

    def __getattr__(name: str) -> Any:
        if name in new_homes:
            return getattr(importlib.import_module(new_homes[name]), name)
        raise AttributeError(
            f'module {module_name!r} has no attribute {name!r}')

    __getattr__.__doc__ = ('Old location of ' + ', '.join(sorted(new_homes))
                           + ' (see mpm.utils.moved).')
    return __getattr__
