"""The base class of mpm's algorithms: data preprocessor default and the
``forward(inputs, data_samples, mode)`` dispatch shared by all of them."""
from abc import abstractmethod
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope

MODES = ('tensor', 'loss', 'predict')


class PoseAlgorithm(BaseModel):
    """An MMEngine ``BaseModel`` whose ``forward`` dispatches on ``mode``.

    ``forward(inputs, data_samples, mode)`` with ``inputs`` (B, T, J, C)
    (normalised screen coordinates for 2D, metres for 3D, or None for a
    3D-only batch) calls ``tensor(inputs, data_samples)`` (raw network
    outputs), ``loss(inputs, data_samples)`` (dict of weighted losses) or
    ``predict(inputs, data_samples)`` (list of per-sample result dicts).

    Args:
        data_preprocessor: config of the batch preprocessor;
            ``PoseDataPreprocessor`` (flip augmentation 0.5) when None.
        init_cfg: MMEngine weight-initialisation config(s), e.g.
            ``dict(type='PretrainedParts', checkpoint=...)``.
    """

    def __init__(self, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='PoseDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)

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
