"""Skeleton facts that flow from the data: the joint order of a dataset,
model or checkpoint, and the check that two of them agree.

A dataset's ``metainfo`` (:meth:`mpm.utils.skeleton.Skeleton.metainfo`)
carries ``skeleton`` (its name), ``joint_names``, ``flip_indices`` and
``root``. Models and metrics take ``flip_indices`` / ``root_index`` from it
(:func:`resolve_skeleton_fact`: a value given in the config still wins, and
must agree with the data). Every checkpoint records the model's joint order
under ``meta['joint_order']`` (:func:`joint_order`), and loading one of
another order stops with :class:`JointOrderError`
(:func:`check_checkpoint_joint_order`).
"""
import logging
from typing import Any, Mapping, Optional, Sequence

from mmengine.logging import print_log

__all__ = ['JOINT_ORDER_KEY', 'JointOrderError', 'joint_order',
           'describe_joint_order', 'check_joint_order',
           'checkpoint_joint_order', 'check_checkpoint_joint_order',
           'resolve_skeleton_fact', 'SkeletonArgs', 'subset_metainfo']

#: Key of the joint order in a checkpoint's ``meta``.
JOINT_ORDER_KEY = 'joint_order'


class JointOrderError(ValueError):
    """Two joint orders (dataset, model, checkpoint, config) disagree."""


def joint_order(meta: Optional[Mapping]) -> Optional[dict]:
    """The joint order of a metainfo dict: ``dict(skeleton, joint_names,
    flip_indices, root)`` (plain types), or None when ``meta`` has no
    ``joint_names``. ``skeleton`` is None when ``meta`` names none."""
    if not isinstance(meta, Mapping) or not meta.get('joint_names'):
        return None
    order = dict(skeleton=meta.get('skeleton'),
                 joint_names=[str(n) for n in meta['joint_names']])
    if meta.get('flip_indices') is not None:
        order['flip_indices'] = [int(i) for i in meta['flip_indices']]
    if meta.get('root') is not None:
        order['root'] = int(meta['root'])
    return order


def describe_joint_order(order: Mapping) -> str:
    """``"mpi_inf_3dhp (17 joints: head_top, neck, ...)"``."""
    names = list(order['joint_names'])
    return (f"{order.get('skeleton') or 'unnamed skeleton'} "
            f"({len(names)} joints: {', '.join(names)})")


def check_joint_order(found: Optional[Mapping], expected: Optional[Mapping],
                      found_what: str, expected_what: str, fix: str) -> bool:
    """Raise :class:`JointOrderError` when the joint names of two orders
    differ (the message names both orders and ``fix``).

    Returns:
        True when both are known and agree, False when either is unknown
        (nothing checked).
    """
    if not found or not expected:
        return False
    if list(found['joint_names']) != list(expected['joint_names']):
        raise JointOrderError(
            f'joint order mismatch: {found_what} is in the order '
            f'{describe_joint_order(found)}, but {expected_what} is in the '
            f'order {describe_joint_order(expected)}. {fix}')
    return True


def checkpoint_joint_order(checkpoint: Any) -> Optional[dict]:
    """``meta['joint_order']`` of a loaded checkpoint, or None (older and
    converted official checkpoints record none)."""
    if not isinstance(checkpoint, Mapping):
        return None
    meta = checkpoint.get('meta')
    if not isinstance(meta, Mapping):
        return None
    return joint_order(meta.get(JOINT_ORDER_KEY))


def check_checkpoint_joint_order(checkpoint: Any, model_order: Optional[dict],
                                 source: str, model_name: str,
                                 fix: str, logger: str = 'current') -> bool:
    """Check a checkpoint's recorded joint order against a model's.

    A checkpoint without a recorded order (older, or converted from the
    official code) loads unchecked; that is logged at INFO. So is a model
    that has not been given a dataset's metainfo.

    Raises:
        JointOrderError: both orders are known and differ.
    """
    found = checkpoint_joint_order(checkpoint)
    if found is None:
        print_log(f'{source} records no joint order (an older or converted '
                  'checkpoint): its joint order is not checked',
                  logger=logger, level=logging.INFO)
        return False
    if model_order is None:
        print_log(f'{model_name} has no joint order from a dataset yet: '
                  f'the joint order of {source} is not checked',
                  logger=logger, level=logging.INFO)
        return False
    return check_joint_order(found, model_order, source,
                             f'the {model_name} built from the config '
                             '(its dataset)', fix)


def _plain(value: Any) -> Any:
    """Joint indices as ints (lists of ints); names stay strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) or hasattr(value, 'tolist'):
        value = value.tolist() if hasattr(value, 'tolist') else value
        return [int(v) for v in value]
    return int(value)


def resolve_skeleton_fact(owner: str, arg: str, configured: Any,
                          meta: Optional[Mapping], key: str) -> Any:
    """The value of a skeleton argument (``flip_indices``, ``root_index``)
    given the config's value and a dataset's metainfo.

    Returns ``configured`` when the metainfo has no ``key``; the metainfo's
    value when ``configured`` is None (not set in the config); otherwise
    ``configured``, after checking that both agree.

    Raises:
        JointOrderError: the configured value differs from the dataset's.
    """
    if not isinstance(meta, Mapping) or meta.get(key) is None:
        return configured
    data_value = _plain(meta[key])
    if configured is None:
        return data_value
    if _plain(configured) != data_value:
        name = meta.get('dataset_name') or meta.get('skeleton') or 'dataset'
        raise JointOrderError(
            f'{owner}: {arg}={_plain(configured)} in the config disagrees '
            f"with the dataset's {key}={data_value} ({name}, joints "
            f"{', '.join(meta.get('joint_names') or [])}). Drop {arg} from "
            "the config to take the dataset's, or correct it.")
    return configured


class SkeletonArgs:
    """The skeleton arguments of a model or metric (``flip_indices``,
    ``root_index``, ...): the values its config gave (None: take the
    dataset's) and the metainfo key each one is read from.

    Args:
        keys: argument (attribute) name -> metainfo key, e.g.
            ``{'root_index': 'root'}``.
    """

    def __init__(self, keys: Mapping[str, str]):
        self.keys = dict(keys)
        self.configured = {}

    def add(self, name: str, configured: Any, default: Any) -> Any:
        """Record ``name`` as configured and return the value to use until
        a dataset's metainfo arrives (``default`` when not configured)."""
        if name not in self.keys:
            raise KeyError(f'{name} is not a skeleton argument; known: '
                           f'{sorted(self.keys)}')
        self.configured[name] = configured
        return default if configured is None else configured

    def apply(self, owner: Any, meta: Optional[Mapping]) -> None:
        """Set each recorded argument on ``owner`` from ``meta``
        (:func:`resolve_skeleton_fact`; a configured value is kept and
        checked)."""
        for name, configured in self.configured.items():
            value = resolve_skeleton_fact(type(owner).__name__, name,
                                          configured, meta, self.keys[name])
            if value is not None:
                setattr(owner, name, value)


def subset_metainfo(meta: Mapping, keep_joints: Sequence[int],
                    flip_indices: Sequence[int]) -> dict:
    """The metainfo of a joint subset: output joint ``i`` is input joint
    ``keep_joints[i]``; ``flip_indices`` is the subset's permutation.

    Raises:
        JointOrderError: the root joint is not kept, or a kept joint is
            outside the dataset's joints.
    """
    out = dict(meta)
    names = list(meta.get('joint_names') or [])
    if names:
        if max(keep_joints) >= len(names):
            raise JointOrderError(
                f'keep_joints {list(keep_joints)} selects joint '
                f'{max(keep_joints)} but the dataset has {len(names)} joints '
                f"({', '.join(names)})")
        out['joint_names'] = [names[j] for j in keep_joints]
    out['num_joints'] = len(keep_joints)
    out['flip_indices'] = list(flip_indices)
    if meta.get('root') is not None:
        if int(meta['root']) not in keep_joints:
            raise JointOrderError(
                f'keep_joints {list(keep_joints)} drops the root joint '
                f"{meta['root']} of the dataset; keep it")
        out['root'] = list(keep_joints).index(int(meta['root']))
    for key in ('left', 'right', 'parents'):
        out.pop(key, None)
    return out
