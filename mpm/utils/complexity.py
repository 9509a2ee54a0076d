"""Parameter and FLOP counts in two conventions.

* ``full``: every parameter; FLOPs = 2 x multiply-accumulates of every
  matrix product, the attention products QK^T and AV included (fvcore, with a
  handle for ``scaled_dot_product_attention``, which fvcore counts as zero),
  plus fvcore's BatchNorm/LayerNorm counts.
* ``paper``: the convention of the P-STMO and MPM papers (thop): parameters
  without positional embeddings, mask tokens and LayerNorms; FLOPs = 2 x
  (multiply-accumulates of Linear and Conv layers, bias excluded, plus 4 per
  BatchNorm output element). Attention products, softmax, activations and
  LayerNorms are not counted.

All FLOP figures are for one sample (batch size 1).
"""
from collections import defaultdict
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from fvcore.nn import FlopCountAnalysis
from fvcore.nn.jit_handles import get_shape
from torch import nn

#: Parameter name fragments that the paper convention leaves out.
PAPER_EXCLUDED_PARAMS = ('pos_embed', 'mask_token', 'mask_vector')


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Multiply-accumulates of SDPA: QK^T and (softmax)V, 2*B*h*T*S*c."""
    q_shape, k_shape = get_shape(inputs[0]), get_shape(inputs[1])
    *batch, t, c = q_shape
    s = k_shape[-2]
    return int(2 * np.prod(batch) * t * s * c)


def _zero(inputs, outputs) -> int:
    return 0


def _batchnorm_paper(inputs, outputs) -> int:
    # thop counts 2 * numel, doubled for affine BatchNorm.
    return int(4 * np.prod(get_shape(outputs[0])))


FULL_HANDLES = {'aten::scaled_dot_product_attention': sdpa_flop_jit}
PAPER_HANDLES = {
    'aten::scaled_dot_product_attention': _zero,
    'aten::matmul': _zero,
    'aten::bmm': _zero,
    'aten::einsum': _zero,
    'aten::layer_norm': _zero,
    'aten::group_norm': _zero,
    'aten::batch_norm': _batchnorm_paper,
    'aten::upsample_nearest2d': _zero,
    'aten::adaptive_avg_pool2d': _zero,
}


def _flops_by_module(model: nn.Module, inputs, handles) -> Dict[str, int]:
    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle(**handles)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings('none')
    return {name: 2 * int(count)
            for name, count in analysis.by_module().items()}


def _paper_param_names(model: nn.Module) -> set:
    excluded = set()
    for mod_name, module in model.named_modules():
        if isinstance(module, nn.LayerNorm):
            for p_name, _ in module.named_parameters(recurse=False):
                excluded.add(f'{mod_name}.{p_name}' if mod_name else p_name)
    for name, _ in model.named_parameters():
        if any(key in name for key in PAPER_EXCLUDED_PARAMS):
            excluded.add(name)
    return {name for name, _ in model.named_parameters()} - excluded


def _params_by_module(model: nn.Module, keep: set = None) -> Dict[str, int]:
    counts = defaultdict(int)
    for name, p in model.named_parameters():
        if keep is not None and name not in keep:
            continue
        parts = name.split('.')
        for depth in range(len(parts)):
            counts['.'.join(parts[:depth])] += p.numel()
    return dict(counts)


@torch.no_grad()
def count_complexity(model: nn.Module, inputs, max_depth: int = 2) -> dict:
    """Count parameters and FLOPs of ``model(*inputs)`` in both conventions.

    Args:
        model: the network, put in eval mode for the count.
        inputs: a tensor or tuple of tensors with batch size 1.
        max_depth: deepest module level listed under ``modules``.

    Returns:
        ``{"full": {"params", "flops"}, "paper": {"params", "flops"},
        "modules": {name: {"params", "flops", "paper_params",
        "paper_flops"}}}`` with integer counts; module names are dotted paths
        up to ``max_depth`` levels ('' is the whole model, omitted).
    """
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs, )
    was_training = model.training
    model.eval()
    try:
        full_flops = _flops_by_module(model, inputs, FULL_HANDLES)
        paper_flops = _flops_by_module(model, inputs, PAPER_HANDLES)
    finally:
        model.train(was_training)
    full_params = _params_by_module(model)
    paper_params = _params_by_module(model, _paper_param_names(model))
    modules = {}
    for name in full_params:
        if not name or name.count('.') >= max_depth:
            continue
        modules[name] = dict(
            params=full_params.get(name, 0),
            flops=full_flops.get(name, 0),
            paper_params=paper_params.get(name, 0),
            paper_flops=paper_flops.get(name, 0))
    return dict(
        full=dict(params=full_params.get('', 0), flops=full_flops.get('', 0)),
        paper=dict(
            params=paper_params.get('', 0), flops=paper_flops.get('', 0)),
        modules=modules)


def complexity_table(result: dict) -> str:
    """Markdown table of :func:`count_complexity`'s result (M = 1e6)."""
    lines = [
        '| module | params | paper params | FLOPs (M) | paper FLOPs (M) |',
        '|---|---:|---:|---:|---:|'
    ]
    for name, row in result['modules'].items():
        indent = '&nbsp;&nbsp;' * name.count('.')
        lines.append(f"| {indent}{name} | {row['params']:,} | "
                     f"{row['paper_params']:,} | {row['flops'] / 1e6:,.1f} | "
                     f"{row['paper_flops'] / 1e6:,.1f} |")
    lines.append(f"| **total** | {result['full']['params']:,} | "
                 f"{result['paper']['params']:,} | "
                 f"{result['full']['flops'] / 1e6:,.1f} | "
                 f"{result['paper']['flops'] / 1e6:,.1f} |")
    return '\n'.join(lines)


class _Part(nn.Module):
    """Wrap one part so fvcore traces ``part(x)`` alone (batch size 1)."""

    def __init__(self, part: nn.Module):
        super().__init__()
        self.part = part

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.part(x)


def _part_counts(module: nn.Module, inputs: torch.Tensor,
                 without: Optional[str] = None) -> dict:
    """Totals of ``module(inputs)``, minus its submodule ``without``."""
    result = count_complexity(_Part(module), inputs, max_depth=2)
    counts = dict(params=result['full']['params'],
                  flops=result['full']['flops'],
                  paper_params=result['paper']['params'],
                  paper_flops=result['paper']['flops'])
    if without is not None:
        sub = result['modules'].get(f'part.{without}')
        if sub is None:
            raise KeyError(f'{type(module).__name__} has no submodule '
                           f"'{without}'")
        counts = {k: v - sub[k] for k, v in counts.items()}
    return counts


@torch.no_grad()
def mpm_part_complexity(stage1: nn.Module,
                        stage2: Optional[nn.Module] = None) -> Dict[str,
                                                                    dict]:
    """MPM's per-part counts (the rows of MPM Table 5), both conventions.

    Every part runs on a whole window (F frames, nothing masked), as the
    paper counts: the 2D and 3D pose encoders on (1, F, J, 2) / (1, F, J, 3)
    zeros, the shared layers (spatial MLP + temporal transformer) on the 2D
    encoder's output, the stage I reconstruction decoders on the trunk's
    output, and, when ``stage2`` (a ``PoseLifter``) is given, its strided
    transformer 3D decoder on its own trunk's output. As in Table 5 the
    stage II row is the strided transformer alone (its regression head
    excluded); the stage I decoder rows include their heads.

    Args:
        stage1: a ``MaskedPoseModeling`` (``encoder``, ``trunk``,
            ``decoder_2d`` and optionally ``encoder_3d`` / ``decoder_3d``).
        stage2: optional stage II ``PoseLifter``.

    Returns:
        ``{row name: {params, paper_params, flops, paper_flops}}`` in the
        order of Table 5; FLOPs are 2 x multiply-accumulates.
    """
    rows: Dict[str, dict] = {}
    was = stage1.training
    stage1.eval()
    try:
        encoder = stage1.encoder
        F_, J = stage1.trunk.temporal.num_frames, encoder.num_joints
        x2d = torch.zeros(1, F_, J, encoder.in_channels)
        parts = [('2D encoder', encoder, x2d, None)]
        if getattr(stage1, 'encoder_3d', None) is not None:
            enc3 = stage1.encoder_3d
            parts.append(('3D encoder', enc3,
                          torch.zeros(1, F_, enc3.num_joints,
                                      enc3.in_channels), None))
        features = encoder(x2d)
        parts.append(('shared layers', stage1.trunk, features, None))
        tokens = stage1.trunk(features)
        parts.append(('2D decoder', stage1.decoder_2d, tokens, None))
        if getattr(stage1, 'decoder_3d', None) is not None:
            parts.append(('3D decoder (stage I)', stage1.decoder_3d, tokens,
                          None))
        if stage2 is not None:
            stage2.eval()
            tokens2 = stage2.trunk(stage2.encoder(torch.zeros(
                1, stage2.trunk.temporal.num_frames,
                stage2.encoder.num_joints, stage2.encoder.in_channels)))
            parts.append(('3D decoder (stage II)', stage2.decoder, tokens2,
                          'head'))
        for name, module, inputs, without in parts:
            rows[name] = _part_counts(module, inputs, without)
    finally:
        stage1.train(was)
    return rows


def part_table(rows: Dict[str, dict]) -> str:
    """Markdown table of :func:`mpm_part_complexity` (K = 1e3, M = 1e6)."""
    lines = [
        '| part | params (K) | paper params (K) | FLOPs (M) | '
        'paper FLOPs (M) |', '|---|---:|---:|---:|---:|'
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['params'] / 1e3:,.1f} | "
                     f"{r['paper_params'] / 1e3:,.1f} | "
                     f"{r['flops'] / 1e6:,.1f} | "
                     f"{r['paper_flops'] / 1e6:,.1f} |")
    return '\n'.join(lines)
