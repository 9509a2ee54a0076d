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

The runner's registries (loops, data samplers, optimisers, optimiser
wrappers and their constructors, parameter schedulers, log processors,
visualisation backends, runners, model wrappers, weight initialisers,
evaluators, functions, inferencers, task utils, strategies) get an ``mpm``
child too, as mmpose does: MMEngine searches every registry in the config's
``default_scope`` and warns (``Failed to search registry with scope "mpm"
...``) for each one without an ``mpm`` child. They find MMEngine's
components through their parent and hold nothing of mpm's own, except the
weight initialisers (``PretrainedParts``, the stage I -> II transfer).
"""
import difflib
from typing import Any, Iterable, List, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import STRATEGIES as MMENGINE_STRATEGIES
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
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


def mmengine_child(parent: Registry,
                   location: Optional[str] = None) -> MPMRegistry:
    """The ``mpm`` child of one of MMEngine's registries, of the same name:
    mpm's modules of that kind live in the package ``location``; without
    one the child stays empty and its lookups find MMEngine's components in
    ``parent`` (the runner's registries)."""
    return MPMRegistry(parent.name, parent=parent, scope='mpm',
                       locations=[location] if location else [])


#: Old name of :func:`mmengine_child` for MMEngine's runner registries.
runner_child = mmengine_child


MODELS = MPMRegistry(
    'model', parent=MMENGINE_MODELS, scope='mpm',
    locations=['mpm.models'])


def model_part_registry(name: str, package: str) -> MPMRegistry:
    """The registry of one kind of model part: a child of :data:`MODELS`
    with scope ``mpm_<package>``, its modules in ``mpm.models.<package>``."""
    return MPMRegistry(name, parent=MODELS, scope=f'mpm_{package}',
                       locations=[f'mpm.models.{package}'])


ENCODERS = model_part_registry('encoder', 'encoders')
TRUNKS = model_part_registry('trunk', 'trunks')
DECODERS = model_part_registry('decoder', 'decoders')
MASKERS = model_part_registry('masker', 'maskers')
LOSSES = model_part_registry('loss', 'losses')
DATASETS = mmengine_child(MMENGINE_DATASETS, 'mpm.datasets')
TRANSFORMS = mmengine_child(MMENGINE_TRANSFORMS, 'mpm.datasets.transforms')
METRICS = mmengine_child(MMENGINE_METRICS, 'mpm.evaluation')
HOOKS = mmengine_child(MMENGINE_HOOKS, 'mpm.engine')
VISUALIZERS = mmengine_child(MMENGINE_VISUALIZERS, 'mpm.visualization')
# The runner's registries (mpm adds only PretrainedParts, to
# WEIGHT_INITIALIZERS).
RUNNERS = mmengine_child(MMENGINE_RUNNERS)
RUNNER_CONSTRUCTORS = mmengine_child(MMENGINE_RUNNER_CONSTRUCTORS)
LOOPS = mmengine_child(MMENGINE_LOOPS)
DATA_SAMPLERS = mmengine_child(MMENGINE_DATA_SAMPLERS)
MODEL_WRAPPERS = mmengine_child(MMENGINE_MODEL_WRAPPERS)
#: Weight initialisers for ``init_cfg``: MMEngine's (through the parent) and
#: mpm's ``PretrainedParts``.
WEIGHT_INITIALIZERS = mmengine_child(MMENGINE_WEIGHT_INITIALIZERS,
                                     'mpm.models.pretrained_parts')
OPTIMIZERS = mmengine_child(MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = mmengine_child(MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = mmengine_child(
    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = mmengine_child(MMENGINE_PARAM_SCHEDULERS)
EVALUATOR = mmengine_child(MMENGINE_EVALUATOR)
TASK_UTILS = mmengine_child(MMENGINE_TASK_UTILS)
VISBACKENDS = mmengine_child(MMENGINE_VISBACKENDS)
LOG_PROCESSORS = mmengine_child(MMENGINE_LOG_PROCESSORS)
INFERENCERS = mmengine_child(MMENGINE_INFERENCERS)
FUNCTIONS = mmengine_child(MMENGINE_FUNCTIONS)
STRATEGIES = mmengine_child(MMENGINE_STRATEGIES)

#: Frozen text encoders (action-label embeddings for ActionPose).
TEXT_ENCODERS = model_part_registry('text_encoder', 'text_encoders')
#: Converters from 2D detector keypoint layouts (COCO-17, Halpe-26, ...) to
#: Human3.6M-17.
KEYPOINT_CONVERTERS = MPMRegistry(
    'keypoint_converter', scope='mpm',
    locations=['mpm.datasets.keypoint_layouts'])

__all__ = [
    'MODELS', 'ENCODERS', 'TRUNKS', 'DECODERS', 'MASKERS', 'LOSSES',
    'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS', 'VISUALIZERS',
    'TEXT_ENCODERS', 'KEYPOINT_CONVERTERS', 'RUNNERS', 'RUNNER_CONSTRUCTORS',
    'LOOPS', 'DATA_SAMPLERS', 'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'EVALUATOR', 'TASK_UTILS', 'VISBACKENDS',
    'LOG_PROCESSORS', 'INFERENCERS', 'FUNCTIONS', 'STRATEGIES', 'MPMRegistry',
    'closest_names', 'runner_child', 'mmengine_child', 'model_part_registry'
]
