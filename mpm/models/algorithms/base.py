"""The base class of mpm's algorithms: data preprocessor default and the
``forward(inputs, data_samples, mode)`` dispatch shared by all of them."""
from abc import abstractmethod
from typing import Any, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope

from mpm.utils.joint_order import (JointOrderError, SkeletonArgs,
                                   describe_joint_order, joint_order)

MODES = ('tensor', 'loss', 'predict')


class PoseAlgorithm(BaseModel):
    """An MMEngine ``BaseModel`` whose ``forward`` dispatches on ``mode``.

    ``forward(inputs, data_samples, mode)`` with ``inputs`` (B, T, J, C)
    (normalised screen coordinates for 2D, metres for 3D, or None for a
    3D-only batch) calls ``tensor(inputs, data_samples)`` (raw network
    outputs), ``loss(inputs, data_samples)`` (dict of weighted losses) or
    ``predict(inputs, data_samples)`` (list of per-sample result dicts).

    Skeleton facts flow from the data: :meth:`set_dataset_meta` (called by
    ``DatasetMetaHook`` before weights are initialised or a checkpoint is
    loaded) gives the model a dataset's ``metainfo``; the data
    preprocessor maps it to the joints the model sees, and every skeleton
    argument left unset in the config (``flip_indices``, ``root_index``;
    :meth:`_skeleton_arg`) takes the dataset's value. A configured value
    wins but must agree with the dataset's. ``joint_order`` (recorded in
    every checkpoint) is then known.

    Args:
        data_preprocessor: config of the batch preprocessor;
            ``PoseDataPreprocessor`` (flip augmentation 0.5) when None.
        init_cfg: MMEngine weight-initialisation config(s), e.g.
            ``dict(type='PretrainedParts', checkpoint=...)``.
    """

    #: metainfo key of each skeleton argument (attribute name -> key).
    SKELETON_KEYS = {'flip_indices': 'flip_indices', 'root_index': 'root'}

    def __init__(self, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='PoseDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self._skeleton_args = SkeletonArgs(self.SKELETON_KEYS)
        self.dataset_meta: Optional[dict] = None

    def _skeleton_arg(self, name: str, configured: Any, default: Any) -> Any:
        """Record a skeleton argument as given in the config (None: take it
        from the dataset) and return the value to use until a dataset's
        metainfo arrives (``default`` when not configured)."""
        return self._skeleton_args.add(name, configured, default)

    @property
    def joint_order(self) -> Optional[dict]:
        """The joint order of the model's inputs and outputs (from the
        dataset, :func:`mpm.utils.joint_order.joint_order`), or None before
        :meth:`set_dataset_meta`."""
        return joint_order(self.dataset_meta)

    def set_dataset_meta(self, metainfo: Optional[dict]) -> None:
        """Take the skeleton facts from a dataset's ``metainfo``.

        The data preprocessor (``set_dataset_meta``) maps the metainfo to
        the joints the model sees; each skeleton argument not set in the
        config takes its value (:meth:`set_joint_order`); nested algorithms
        (a refiner's lifter) get the same.

        Raises:
            JointOrderError: a configured ``flip_indices`` / ``root_index``
                disagrees with the dataset's, or the model already holds
                another dataset's joint order (e.g. training and test sets
                of different orders).
        """
        if not metainfo:
            return
        meta = dict(metainfo)
        pre = self.data_preprocessor
        if hasattr(pre, 'set_dataset_meta'):
            meta = pre.set_dataset_meta(meta)
        self.set_joint_order(meta)

    def set_joint_order(self, meta: Optional[dict]) -> None:
        """Take the skeleton facts of the joints the model sees (a
        checkpoint's ``meta['joint_order']``, or a dataset's metainfo after
        the data preprocessor's joint selection).

        Raises:
            JointOrderError: as :meth:`set_dataset_meta`.
        """
        if not meta:
            return
        meta = dict(meta)
        order, held = joint_order(meta), self.joint_order
        if order and held and order['joint_names'] != held['joint_names']:
            raise JointOrderError(
                f'{type(self).__name__} was set up for the joint order '
                f'{describe_joint_order(held)}, and now gets data in '
                f'the order {describe_joint_order(order)}. Train and test '
                'on datasets of one joint order (dataset joint_order / '
                'keep_joints).')
        self._skeleton_args.apply(self, meta)
        for child in self.children():
            if isinstance(child, PoseAlgorithm):
                child.set_joint_order(meta)
        self.dataset_meta = meta

    def init_weights(self) -> None:
        """Apply ``init_cfg`` in the ``mpm`` scope, so that mpm's
        initialisers (``PretrainedParts``) are found without a runner."""
        with DefaultScope.overwrite_default_scope('mpm'):
            super().init_weights()

    def forward(self, inputs: Optional[torch.Tensor] = None,
                data_samples: Optional[dict] = None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.tensor(inputs, data_samples)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"Invalid mode '{mode}': use one of {MODES}")

    @abstractmethod
    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (mode 'tensor')."""

    @abstractmethod
    def loss(self, inputs, data_samples) -> dict:
        """Weighted losses (mode 'loss')."""

    @abstractmethod
    def predict(self, inputs, data_samples=None) -> list:
        """Per-sample results (mode 'predict')."""
