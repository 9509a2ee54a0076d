"""Registries of mpm.

Every buildable component of mpm lives in one of the registries below. They are
children of MMEngine's root registries, so a config that sets
``default_scope = 'mpm'`` builds ``type='PoseLifter'`` without any manual import:
each registry knows the package ``locations`` to import on first use.

ENCODERS, TRUNKS, DECODERS, MASKERS and LOSSES are children of :data:`MODELS`.
MMEngine resolves ``MODELS.build`` in scope ``mpm`` to :data:`MODELS` itself, so
:data:`MODELS` also looks into its children: a component registered in
``ENCODERS`` can be built from any model registry.

An unknown ``type`` raises :class:`KeyError` naming the registry and the closest
registered names.
"""
import difflib
from typing import Any, Iterable, List, Optional

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry


class MPMRegistry(Registry):
    """A :class:`mmengine.registry.Registry` that searches its children and
    fails loudly.

    ``get(key)`` looks in this registry, then in its ancestors (as MMEngine
    does), then in its descendants. If nothing matches it raises ``KeyError``
    with the registry's name and the closest registered names, instead of
    returning ``None``.
    """

    def _lookup(self, key: str) -> Optional[type]:
        obj = super().get(key)
        if obj is not None:
            return obj
        scope, real_key = self.split_scope_key(key)
        if scope is not None and scope != self.scope:
            return None
        for child in self.children.values():
            found = (child._lookup(real_key) if isinstance(child, MPMRegistry)
                     else Registry.get(child, real_key))
            if found is not None:
                return found
        return None

    def registered_names(self) -> List[str]:
        """Names visible from this registry: own, descendants, ancestors."""
        names = set()

        def down(reg: Registry) -> None:
            reg.import_from_location()
            names.update(reg.module_dict)
            for child in reg.children.values():
                down(child)

        down(self)
        parent = self.parent
        while parent is not None:
            names.update(parent.module_dict)
            parent = parent.parent
        return sorted(names)

    def get(self, key: str) -> Any:
        obj = self._lookup(key)
        if obj is None:
            raise KeyError(unknown_type_message(self, key))
        return obj

    def __contains__(self, key: str) -> bool:
        return self._lookup(key) is not None


def closest_names(key: str, names: Iterable[str], n: int = 5) -> List[str]:
    """The registered ``names`` most similar to ``key`` (case-insensitive)."""
    names = list(names)
    lowered = {name.lower(): name for name in names}
    matches = difflib.get_close_matches(key.lower(), list(lowered), n=n,
                                        cutoff=0.4)
    return [lowered[m] for m in matches]


def unknown_type_message(registry: MPMRegistry, key: str) -> str:
    names = registry.registered_names()
    close = closest_names(key, names)
    hint = (f'closest registered names: {", ".join(close)}' if close else
            f'registered names: {", ".join(names[:40])}')
    return (f"'{key}' is not registered in the mpm '{registry.name}' "
            f'registry ({hint}). Check the spelling of `type` in your config, '
            'or import the module that registers it (custom_imports).')


MODELS = MPMRegistry(
    'model', parent=MMENGINE_MODELS, scope='mpm',
    locations=['mpm.models'])
ENCODERS = MPMRegistry(
    'encoder', parent=MODELS, scope='mpm_encoders',
    locations=['mpm.models.encoders'])
TRUNKS = MPMRegistry(
    'trunk', parent=MODELS, scope='mpm_trunks',
    locations=['mpm.models.trunks'])
DECODERS = MPMRegistry(
    'decoder', parent=MODELS, scope='mpm_decoders',
    locations=['mpm.models.decoders'])
MASKERS = MPMRegistry(
    'masker', parent=MODELS, scope='mpm_maskers',
    locations=['mpm.models.maskers'])
LOSSES = MPMRegistry(
    'loss', parent=MODELS, scope='mpm_losses',
    locations=['mpm.models.losses'])
DATASETS = MPMRegistry(
    'dataset', parent=MMENGINE_DATASETS, scope='mpm',
    locations=['mpm.datasets'])
TRANSFORMS = MPMRegistry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mpm',
    locations=['mpm.datasets.transforms'])
METRICS = MPMRegistry(
    'metric', parent=MMENGINE_METRICS, scope='mpm',
    locations=['mpm.evaluation'])
HOOKS = MPMRegistry(
    'hook', parent=MMENGINE_HOOKS, scope='mpm', locations=['mpm.engine'])
VISUALIZERS = MPMRegistry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope='mpm',
    locations=['mpm.visualization'])
#: Frozen text encoders (action-label embeddings for ActionPose).
TEXT_ENCODERS = MPMRegistry(
    'text_encoder', parent=MODELS, scope='mpm_text_encoders',
    locations=['mpm.models.text_encoders'])
#: Converters from 2D detector keypoint layouts (COCO-17, Halpe-26, ...) to
#: Human3.6M-17.
KEYPOINT_CONVERTERS = MPMRegistry(
    'keypoint_converter', scope='mpm',
    locations=['mpm.datasets.keypoint_layouts'])

__all__ = [
    'MODELS', 'ENCODERS', 'TRUNKS', 'DECODERS', 'MASKERS', 'LOSSES',
    'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'VISUALIZERS',
    'TEXT_ENCODERS', 'KEYPOINT_CONVERTERS', 'MPMRegistry', 'closest_names'
]
