"""Export a lifter to ONNX and run it with onnxruntime.

Needs the ``onnx`` extra: ``pip install -e '.[onnx]'`` (onnx, onnxruntime
and onnxscript, which PyTorch's ONNX exporter uses).

The graph's input ``keypoints_2d`` is (B, F, 17, 2) normalised screen
coordinates (:func:`mpm.datasets.camera.normalize_screen`), B dynamic, F the
lifter's window; its outputs are what the lifter returns with
``mode='tensor'``, in the same order: ``final`` (B, 1, 17, 3) metres (the
window's output frame, not root-zeroed, no flip averaging) first, then
``sequence`` (B, F, 17, 3) when the lifter has a sequence head. The
window length, root index and left/right permutation are stored in the
model's metadata, so :class:`OnnxLifter` can be used by
:func:`mpm.apis.lift` like the PyTorch model.
"""
import json
import logging
import os
import warnings
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from mpm.models.algorithms.pose_lifter import PoseLifter
from mpm.utils import H36M_SKELETON

__all__ = ['export_onnx', 'OnnxLifter', 'onnx_parity', 'require_onnx']

INPUT_NAME = 'keypoints_2d'
OUTPUT_NAMES = ('final', 'sequence')


def require_onnx(*modules: str):
    """Import and return the named modules (``'onnx'``, ``'onnxruntime'``,
    ``'onnxscript'``), or raise ImportError naming the extra to install."""
    import importlib
    out = []
    for name in modules:
        try:
            out.append(importlib.import_module(name))
        except ImportError as err:
            raise ImportError(
                f"'{name}' is not installed; ONNX export and the onnxruntime "
                "backend need the onnx extra: pip install -e '.[onnx]' (or "
                "pip install 'mpm[onnx]').") from err
    return out[0] if len(out) == 1 else tuple(out)


class _TensorMode(nn.Module):
    """``model(x, mode='tensor')`` as a plain module with tensor outputs."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        out = self.model(x, mode='tensor')
        if isinstance(out, torch.Tensor):
            return out
        return tuple(o for o in out if o is not None)


def _window(model: nn.Module, frames: Optional[int]) -> int:
    from .lift import receptive_field
    window = receptive_field(model)
    if frames is not None and frames != window:
        raise ValueError(
            f'--frames {frames}: this lifter was built for windows of '
            f'{window} frames (its temporal position embedding has {window} '
            f'entries); export it with --frames {window} or leave --frames '
            'out.')
    return window


def export_onnx(model: nn.Module, out_path: str,
                frames: Optional[int] = None, opset: int = 18) -> str:
    """Export ``model(x, mode='tensor')`` to an ONNX file.

    Args:
        model: a lifter taking (B, F, 17, 2) normalised keypoints.
        out_path: the ``.onnx`` file to write.
        frames: window length F; None: the model's
            (:func:`mpm.apis.lift.receptive_field`); another value than the
            model's is an error.
        opset: ONNX opset version.

    Returns:
        ``out_path``.
    """
    require_onnx('onnx', 'onnxscript')
    import onnx
    window = _window(model, frames)
    was_training = model.training
    wrapper = _TensorMode(model).eval()
    param = next(model.parameters())
    x = torch.zeros(2, window, 17, 2, dtype=param.dtype, device=param.device)
    with torch.no_grad():
        n_out = len(wrapper(x)) if isinstance(wrapper(x), tuple) else 1
    names = list(OUTPUT_NAMES[:n_out])
    batch = torch.export.Dim('batch', min=1)
    loggers = [logging.getLogger(n) for n in ('torch.onnx', 'torch.export',
                                               'torch._dynamo',
                                               'torch.fx.experimental')]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            program = torch.onnx.export(
                wrapper, (x,), dynamo=True, input_names=[INPUT_NAME],
                output_names=names, dynamic_shapes=({0: batch},),
                opset_version=opset, verbose=False)
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
        model.train(was_training)
    program.save(out_path)
    proto = onnx.load(out_path)
    flip = getattr(model, 'flip_indices', None)
    flip = H36M_SKELETON.flip_permutation if flip is None else flip
    meta = dict(num_frames=int(window),
                root_index=int(getattr(model, 'root_index', 0)),
                flip_indices=[int(i) for i in flip], outputs=names,
                producer='mpm')
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.save(proto, out_path)
    return out_path


class OnnxLifter(nn.Module):
    """An exported lifter run by onnxruntime, usable by :func:`mpm.apis.lift`.

    ``forward(x, mode='tensor')``: (B, F, 17, 2) normalised keypoints ->
    the graph's outputs as CPU float32 tensors (``final`` (B, 1, 17, 3)
    metres first). ``predict_pose(x)`` -> (B, 17, 3) is
    :meth:`PoseLifter.predict_pose` on those outputs (root joint zeroed,
    flip averaging when ``flip_test``), so :func:`mpm.apis.lift` gives the
    same poses as with the PyTorch model. Has no parameters;
    ``num_frames``, ``root_index`` and ``flip_indices`` come from the file's
    metadata.

    Args:
        path: the ``.onnx`` file (from :func:`export_onnx`).
        num_threads: onnxruntime intra-op threads (None: its default).
    """

    def __init__(self, path: str, num_threads: Optional[int] = None):
        super().__init__()
        ort = require_onnx('onnxruntime')
        if not os.path.isfile(path):
            raise FileNotFoundError(f"ONNX model '{path}' does not exist; "
                                    'make it with tools/deployment/'
                                    'export_onnx.py.')
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
        try:
            self.session = ort.InferenceSession(
                path, options, providers=['CPUExecutionProvider'])
        except Exception as err:   # onnxruntime raises its own types
            raise ValueError(f"'{path}' is not a readable ONNX model: "
                             f'{err}') from err
        meta = self.session.get_modelmeta().custom_metadata_map
        inputs = self.session.get_inputs()
        if len(inputs) != 1 or inputs[0].name != INPUT_NAME:
            raise ValueError(
                f"'{path}' is not an mpm lifter export: expected one input "
                f"'{INPUT_NAME}', got {[i.name for i in inputs]}.")
        shape = inputs[0].shape
        self.num_frames = int(json.loads(meta['num_frames'])) \
            if 'num_frames' in meta else int(shape[1])
        self.root_index = int(json.loads(meta.get('root_index', '0')))
        self.flip_indices = json.loads(meta['flip_indices']) \
            if 'flip_indices' in meta else list(
                H36M_SKELETON.flip_permutation)
        self.flip_test = True
        self.path = path

    def _forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        feed = {INPUT_NAME: x.detach().cpu().float().numpy()}
        return tuple(torch.from_numpy(o) for o in self.session.run(None,
                                                                   feed))

    def forward(self, x: torch.Tensor, mode: str = 'tensor'
                ) -> Tuple[torch.Tensor, ...]:
        if mode != 'tensor':
            raise ValueError(f"OnnxLifter runs mode='tensor' only, got "
                             f"'{mode}'.")
        return self._forward(x)

    predict_pose = PoseLifter.predict_pose


def onnx_parity(model: nn.Module, onnx_lifter: OnnxLifter,
                inputs: torch.Tensor) -> Sequence[float]:
    """Max absolute difference of every output between PyTorch
    (``model(inputs, mode='tensor')``, eval mode) and onnxruntime."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            ref = _TensorMode(model)(inputs)
    finally:
        model.train(was_training)
    ref = ref if isinstance(ref, tuple) else (ref,)
    got = onnx_lifter(inputs)
    if len(got) != len(ref):
        raise ValueError(f'the ONNX model has {len(got)} outputs, the '
                         f'PyTorch model {len(ref)}.')
    return [float(np.abs(g.numpy() - r.float().cpu().numpy()).max())
            for g, r in zip(got, ref)]
