"""Metrics that take skeleton facts (the root joint, ...) from the dataset.

MMEngine's loops set ``metric.dataset_meta = dataset.metainfo`` before
evaluating; :class:`SkeletonFromDataMixin` turns that into the metric's
skeleton arguments (:class:`mpm.utils.joint_order.SkeletonArgs`).
"""
import copy
from typing import Any, Optional

from mpm.utils.joint_order import SkeletonArgs


class SkeletonFromDataMixin:
    """Mixin for ``BaseMetric`` subclasses: skeleton arguments left unset
    in the config (None) take the dataset's value when ``dataset_meta`` is
    set; a configured value wins and must agree with the dataset's
    (:class:`~mpm.utils.joint_order.JointOrderError` otherwise).

    Subclasses list their arguments in ``SKELETON_KEYS`` (attribute ->
    metainfo key), call :meth:`_skeleton_arg` in ``__init__`` and may
    override :meth:`_skeleton_changed` to recompute what depends on them.
    """

    SKELETON_KEYS = {'root_index': 'root'}

    def _skeleton_arg(self, name: str, configured: Any, default: Any) -> Any:
        if '_skeleton_args' not in self.__dict__:
            self._skeleton_args = SkeletonArgs(self.SKELETON_KEYS)
        return self._skeleton_args.add(name, configured, default)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        self._dataset_meta = copy.deepcopy(dataset_meta)
        if '_skeleton_args' in self.__dict__:
            self._skeleton_args.apply(self, dataset_meta)
            self._skeleton_changed()

    def _skeleton_changed(self) -> None:
        """Called after the skeleton arguments were set from the data."""
