"""Convert released P-STMO / MPM stage II checkpoints to mpm's ``PoseLifter``.

The official implementations release plain ``state_dict`` files (sometimes
with the ``module.`` prefix of ``DataParallel``). P-STMO's STMO and MPM's
stage II lifter are the same network under different key prefixes:

==============================  ===================================
P-STMO prefix                   MPM prefix
==============================  ===================================
``encoder.fc_1`` / ``bn_1``     ``encoder2d.fc_1`` / ``bn_1``
``encoder.layers.{i}``          ``shared_layers_spatial.layers.{i}``
``encoder.fc_2``                ``shared_layers_spatial.fc_2``
``Transformer.``                ``shared_layers_temporal.``
``Transformer_reduce.``         ``Transformer_reduce.``
``fcn.`` / ``fcn_1.``           ``fcn.`` / ``fcn_1.``
==============================  ===================================

Every size (joints J, frames F, widths C / C2 / H, layer and block counts) is
read from the tensor shapes; only the number of attention heads (8 in the
official code) and, when F is not 3 ** (decoder layers), the decoder strides
cannot be and are arguments.

Mapping to mpm's modules: Conv1d(k=1) weights (out, in, 1) become Linear
weights (out, in); the separate query/key/value linears of an attention layer
are concatenated (in that order) into the fused ``qkv`` projection; the
official norm's ``a_2`` / ``b_2`` become ``weight`` / ``bias`` of
:class:`~mpm.models.layers.norm.StdNorm`; the decoder FFN's Conv1d(H -> C,
kernel 3) is the strided layer's ``conv``. The final ``model.norm`` of the
trunk and of the decoder is stored in the files but never applied by the
official forward, so it is dropped (and reported). The channel layouts need
no conversion: the official input vector of a frame is ``joint * 2 +
coordinate`` and its head outputs ``joint * 3 + coordinate``, the same
joint-major order as :class:`~mpm.models.encoders.PoseEncoder` and
:class:`~mpm.models.decoders.PoseRegressionHead`.

The converted model is built with ``compat='official'`` (see
:data:`mpm.models.algorithms.pose_lifter.COMPAT_OPTIONS`).

This module maps keys and tensors and builds the matching model; reading
and writing files (the converted checkpoint and a config to test it) is the
job of ``tools/model_converters/convert_official.py``.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

FORMATS = ('pstmo', 'mpm')

#: Official key prefix -> canonical (P-STMO) prefix, per format. The tables
#: are bijective, so canonical names can be turned back into file names.
PREFIXES: Dict[str, Tuple[Tuple[str, str], ...]] = {
    'pstmo': (
        ('encoder.fc_1.', 'encoder.fc_1.'),
        ('encoder.bn_1.', 'encoder.bn_1.'),
        ('encoder.layers.', 'encoder.layers.'),
        ('encoder.fc_2.', 'encoder.fc_2.'),
        ('Transformer.', 'Transformer.'),
        ('Transformer_reduce.', 'Transformer_reduce.'),
        ('fcn.', 'fcn.'),
        ('fcn_1.', 'fcn_1.'),
    ),
    'mpm': (
        ('encoder2d.fc_1.', 'encoder.fc_1.'),
        ('encoder2d.bn_1.', 'encoder.bn_1.'),
        ('shared_layers_spatial.layers.', 'encoder.layers.'),
        ('shared_layers_spatial.fc_2.', 'encoder.fc_2.'),
        ('shared_layers_temporal.', 'Transformer.'),
        ('Transformer_reduce.', 'Transformer_reduce.'),
        ('fcn.', 'fcn.'),
        ('fcn_1.', 'fcn_1.'),
    ),
}

#: Stored in the official files but never applied by the official forward.
UNUSED_PREFIXES = ('Transformer.model.norm.', 'Transformer_reduce.model.norm.')

_BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
_WB = ('weight', 'bias')


class OfficialCheckpointError(ValueError):
    """The file is not a stage II lifter checkpoint of the given format."""


@dataclass(frozen=True)
class OfficialSpec:
    """Sizes of an official stage II lifter, as read from its checkpoint.

    Attributes:
        num_joints: J. in_channels: 2 (2D input).
        encoder_dim: C2, width of the spatial MLP (512 released).
        num_blocks: residual blocks of the spatial MLP.
        embed_dim: C, token width of trunk and decoder (256 released).
        num_frames: F, window length (27, 81, 243).
        trunk_depth: temporal transformer layers L.
        trunk_ffn_dim: FFN width of the trunk (512 released).
        decoder_ffn_dim: FFN width of the strided decoder.
        strides: one stride per strided layer, product F.
        num_pos_embeds: positional embeddings of the decoder used (<= 3).
        num_heads: attention heads (not stored in the file; 8 officially).
    """
    num_joints: int
    in_channels: int
    encoder_dim: int
    num_blocks: int
    embed_dim: int
    num_frames: int
    trunk_depth: int
    trunk_ffn_dim: int
    decoder_ffn_dim: int
    strides: Tuple[int, ...]
    num_pos_embeds: int
    num_heads: int = 8


@dataclass
class ConvertedCheckpoint:
    """Result of :func:`convert_official_state_dict`.

    Attributes:
        state_dict: mpm ``PoseLifter`` keys -> tensors.
        spec: the inferred sizes.
        dropped: official keys (file names) left out because the official
            forward never uses them.
        filled: mpm keys set to a default because the file lacks them (old
            files without BatchNorm's ``num_batches_tracked``).
    """
    state_dict: 'OrderedDict[str, torch.Tensor]'
    spec: OfficialSpec
    dropped: List[str] = field(default_factory=list)
    filled: List[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Key names
# ---------------------------------------------------------------------------
def strip_module_prefix(state_dict: Dict[str, Any]) -> 'OrderedDict[str, Any]':
    """Remove the ``module.`` prefix ``DataParallel`` adds (where present)."""
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state_dict.items())


def to_canonical(key: str, fmt: str) -> Optional[str]:
    """Official key of format ``fmt`` -> P-STMO name (None: not ``fmt``)."""
    for prefix, canonical in PREFIXES[_check_format(fmt)]:
        if key.startswith(prefix):
            return canonical + key[len(prefix):]
    return None


def to_official(canonical: str, fmt: str) -> str:
    """P-STMO name -> the name it has in a file of format ``fmt``."""
    for prefix, canon in PREFIXES[_check_format(fmt)]:
        if canonical.startswith(canon):
            return prefix + canonical[len(canon):]
    return canonical


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown official format '{fmt}': use one of "
                         f'{list(FORMATS)}.')
    return fmt


def _guess_format(keys: Sequence[str]) -> Optional[str]:
    """The format whose prefixes cover most of ``keys`` (for hints)."""
    best, best_hits = None, 0
    for fmt in FORMATS:
        hits = sum(to_canonical(k, fmt) is not None for k in keys)
        if hits > best_hits:
            best, best_hits = fmt, hits
    return best


def official_keys(spec: OfficialSpec) -> List[str]:
    """Every key (P-STMO names) the official model of ``spec`` stores.

    Includes ``num_batches_tracked`` of each BatchNorm and the trunk's and
    decoder's never-applied ``model.norm``.
    """
    keys = [f'encoder.fc_1.{p}' for p in _WB]
    keys += [f'encoder.bn_1.{p}' for p in _BN]
    for i in range(spec.num_blocks):
        pre = f'encoder.layers.{i}.'
        keys += [pre + f'w1.{p}' for p in _WB]
        keys += [pre + f'batch_norm1.{p}' for p in _BN]
        keys += [pre + f'w2.{p}' for p in _WB]
        keys += [pre + f'batch_norm2.{p}' for p in _BN]
    keys += [f'encoder.fc_2.{p}' for p in _WB]

    def layer(pre: str) -> List[str]:
        out = [pre + f'self_attn.linears.{j}.{p}' for j in range(4)
               for p in _WB]
        out += [pre + f'feed_forward.{w}.{p}' for w in ('w_1', 'w_2')
                for p in _WB]
        out += [pre + f'sublayer.{j}.norm.{p}' for j in range(2)
                for p in ('a_2', 'b_2')]
        return out

    keys.append('Transformer.pos_embedding')
    for i in range(spec.trunk_depth):
        keys += layer(f'Transformer.model.layers.{i}.')
    keys += ['Transformer.model.norm.a_2', 'Transformer.model.norm.b_2']
    keys += [f'Transformer_reduce.model.pos_embedding_{k + 1}'
             for k in range(spec.num_pos_embeds)]
    for i in range(len(spec.strides)):
        keys += layer(f'Transformer_reduce.model.layers.{i}.')
    keys += ['Transformer_reduce.model.norm.a_2',
             'Transformer_reduce.model.norm.b_2']
    for head in ('fcn', 'fcn_1'):
        keys += [f'{head}.0.{p}' for p in _BN]
        keys += [f'{head}.1.{p}' for p in _WB]
    return keys


def _optional(key: str) -> bool:
    """Keys a file may lack: BN step counters and the unused final norms."""
    return key.endswith('.num_batches_tracked') or key.startswith(
        UNUSED_PREFIXES)


def _layer_norm_rules(layers: str,
                      target: str) -> Tuple[Tuple[str, str, bool], ...]:
    """The rules for the two LayerNorms (``sublayer.{0,1}.norm.a_2/b_2``,
    P-STMO's names) of every layer under ``layers`` (a pattern) ->
    ``<target>.<i>.norm{1,2}.weight/bias``."""
    return tuple(
        (layers + r'\.model\.layers\.(\d+)\.sublayer\.' + str(sub) +
         r'\.norm\.' + name, target + r'.\1.norm' + str(sub + 1) + '.' +
         param, False)
        for sub in (0, 1)
        for name, param in (('a_2', 'weight'), ('b_2', 'bias')))


# (pattern on P-STMO names, mpm name template, squeeze k=1 conv weight)
_ATTN = r'self_attn\.linears\.'
_RULES: Tuple[Tuple[str, str, bool], ...] = (
    (r'encoder\.fc_1\.(weight|bias)', r'encoder.fc.\1', True),
    (r'encoder\.bn_1\.(\w+)', r'encoder.bn.\1', False),
    (r'encoder\.layers\.(\d+)\.w1\.(weight|bias)',
     r'trunk.spatial.blocks.\1.layer1.fc.\2', True),
    (r'encoder\.layers\.(\d+)\.batch_norm1\.(\w+)',
     r'trunk.spatial.blocks.\1.layer1.bn.\2', False),
    (r'encoder\.layers\.(\d+)\.w2\.(weight|bias)',
     r'trunk.spatial.blocks.\1.layer2.fc.\2', True),
    (r'encoder\.layers\.(\d+)\.batch_norm2\.(\w+)',
     r'trunk.spatial.blocks.\1.layer2.bn.\2', False),
    (r'encoder\.fc_2\.(weight|bias)', r'trunk.spatial.proj.\1', True),
    (r'Transformer\.pos_embedding', r'trunk.temporal.pos_embed', False),
    (r'Transformer\.model\.layers\.(\d+)\.' + _ATTN + r'3\.(weight|bias)',
     r'trunk.temporal.layers.\1.attn.proj.\2', False),
    (r'Transformer\.model\.layers\.(\d+)\.feed_forward\.w_1\.(weight|bias)',
     r'trunk.temporal.layers.\1.ffn.fc1.\2', False),
    (r'Transformer\.model\.layers\.(\d+)\.feed_forward\.w_2\.(weight|bias)',
     r'trunk.temporal.layers.\1.ffn.fc2.\2', False),
    *_layer_norm_rules(r'Transformer', 'trunk.temporal.layers'),
    (r'Transformer_reduce\.model\.layers\.(\d+)\.' + _ATTN +
     r'3\.(weight|bias)', r'decoder.layers.\1.attn.proj.\2', False),
    (r'Transformer_reduce\.model\.layers\.(\d+)\.feed_forward\.w_1\.'
     r'(weight|bias)', r'decoder.layers.\1.fc1.\2', True),
    (r'Transformer_reduce\.model\.layers\.(\d+)\.feed_forward\.w_2\.'
     r'(weight|bias)', r'decoder.layers.\1.conv.\2', False),
    *_layer_norm_rules(r'Transformer_reduce', 'decoder.layers'),
    (r'fcn\.0\.(\w+)', r'decoder.head.bn.\1', False),
    (r'fcn\.1\.(weight|bias)', r'decoder.head.fc.\1', True),
    (r'fcn_1\.0\.(\w+)', r'seq_head.bn.\1', False),
    (r'fcn_1\.1\.(weight|bias)', r'seq_head.fc.\1', True),
)
_QKV = re.compile(r'(Transformer|Transformer_reduce)\.model\.layers\.(\d+)\.' +
                  _ATTN + r'([012])\.(weight|bias)')
_POS = re.compile(r'Transformer_reduce\.model\.pos_embedding_(\d+)')
_QKV_TARGET = {
    'Transformer': 'trunk.temporal',
    'Transformer_reduce': 'decoder'
}


def _squeeze_k1(name: str, tensor: torch.Tensor) -> torch.Tensor:
    """Conv1d(k=1) weight (out, in, 1) -> Linear weight (out, in)."""
    if tensor.dim() == 3:
        if tensor.shape[-1] != 1:
            raise OfficialCheckpointError(
                f"'{name}' has shape {tuple(tensor.shape)}: expected a "
                'kernel-1 Conv1d weight (out, in, 1).')
        return tensor[..., 0]
    return tensor


# ---------------------------------------------------------------------------
# Size inference
# ---------------------------------------------------------------------------
def _indices(keys: Sequence[str], pattern: str, what: str,
             start: int = 0) -> int:
    """Number of consecutive indices ``start..`` captured by ``pattern``."""
    found = sorted({int(m.group(1)) for k in keys
                    for m in [re.match(pattern, k)] if m})
    if found != list(range(start, start + len(found))):
        raise OfficialCheckpointError(
            f'The {what} of the checkpoint are numbered {found}: expected '
            f'consecutive numbers from {start} (a truncated or edited '
            'file?).')
    return len(found)


def _shape(sd: Dict[str, torch.Tensor], key: str, fmt: str,
           dims: int) -> Tuple[int, ...]:
    shape = tuple(sd[key].shape)
    if len(shape) != dims:
        raise OfficialCheckpointError(
            f"'{to_official(key, fmt)}' has shape {shape}: expected "
            f'{dims} dimensions.')
    return shape


def infer_spec(canonical_sd: Dict[str, torch.Tensor], fmt: str,
               num_heads: int = 8,
               strides: Optional[Sequence[int]] = None) -> OfficialSpec:
    """Read every size of the official model from its tensor shapes.

    Args:
        canonical_sd: the state dict with P-STMO key names (see
            :func:`to_canonical`).
        fmt: the file's format, for messages.
        num_heads: attention heads (not stored in files; 8 officially).
        strides: the decoder strides; inferred as ``[3] * n`` when
            F == 3 ** n for n strided layers, required otherwise.

    Raises:
        OfficialCheckpointError: keys needed to read the sizes are missing,
            or the sizes contradict each other.
    """
    needed = [
        'encoder.fc_1.weight', 'encoder.fc_2.weight',
        'Transformer.pos_embedding',
        'Transformer.model.layers.0.feed_forward.w_1.weight',
        'Transformer_reduce.model.layers.0.feed_forward.w_1.weight',
        'Transformer_reduce.model.layers.0.feed_forward.w_2.weight',
        'fcn.1.weight'
    ]
    missing = [to_official(k, fmt) for k in needed if k not in canonical_sd]
    if missing:
        raise OfficialCheckpointError(
            f"Not an official {fmt} stage II lifter checkpoint: it lacks "
            f'{missing}.')
    sd = canonical_sd
    keys = list(sd)
    out3j = _shape(sd, 'fcn.1.weight', fmt, 3)[0]
    if out3j % 3:
        raise OfficialCheckpointError(
            f"'{to_official('fcn.1.weight', fmt)}' has {out3j} output "
            'channels: expected 3 * joints.')
    num_joints = out3j // 3
    encoder_dim, in_flat, _ = _shape(sd, 'encoder.fc_1.weight', fmt, 3)
    if in_flat % num_joints:
        raise OfficialCheckpointError(
            f"'{to_official('encoder.fc_1.weight', fmt)}' takes {in_flat} "
            f'input channels, not a multiple of the {num_joints} joints the '
            'heads predict.')
    embed_dim = _shape(sd, 'encoder.fc_2.weight', fmt, 3)[0]
    _, num_frames, pos_dim = _shape(sd, 'Transformer.pos_embedding', fmt, 3)
    if pos_dim != embed_dim:
        raise OfficialCheckpointError(
            f'The trunk positional embedding has width {pos_dim} but the '
            f'spatial MLP outputs {embed_dim} channels.')
    num_blocks = _indices(keys, r'encoder\.layers\.(\d+)\.',
                          'spatial MLP blocks')
    trunk_depth = _indices(keys, r'Transformer\.model\.layers\.(\d+)\.',
                           'trunk layers')
    dec_depth = _indices(keys, r'Transformer_reduce\.model\.layers\.(\d+)\.',
                         'decoder layers')
    num_pos = _indices(keys, r'Transformer_reduce\.model\.pos_embedding_'
                       r'(\d+)$', 'decoder positional embeddings', start=1)
    kernel = _shape(
        sd, 'Transformer_reduce.model.layers.0.feed_forward.w_2.weight', fmt,
        3)[2]
    if kernel != 3:
        raise OfficialCheckpointError(
            f'The strided decoder uses Conv1d kernel {kernel}; only kernel 3 '
            '(all released models) is supported.')
    if strides is None:
        if 3**dec_depth != num_frames:
            raise OfficialCheckpointError(
                f'Cannot infer the decoder strides: {dec_depth} strided '
                f'layers for {num_frames} frames is not [3] * {dec_depth}. '
                'Pass them explicitly (--strides, product = frames).')
        strides = [3] * dec_depth
    strides = tuple(int(s) for s in strides)
    if len(strides) != dec_depth:
        raise OfficialCheckpointError(
            f'{len(strides)} strides given for {dec_depth} strided layers.')
    if embed_dim % num_heads:
        raise OfficialCheckpointError(
            f'width {embed_dim} is not divisible by num_heads={num_heads}.')
    return OfficialSpec(
        num_joints=num_joints,
        in_channels=in_flat // num_joints,
        encoder_dim=encoder_dim,
        num_blocks=num_blocks,
        embed_dim=embed_dim,
        num_frames=num_frames,
        trunk_depth=trunk_depth,
        trunk_ffn_dim=_shape(
            sd, 'Transformer.model.layers.0.feed_forward.w_1.weight', fmt,
            2)[0],
        decoder_ffn_dim=_shape(
            sd, 'Transformer_reduce.model.layers.0.feed_forward.w_1.weight',
            fmt, 3)[0],
        strides=strides,
        num_pos_embeds=num_pos,
        num_heads=num_heads)


def _format_hint(keys: Sequence[str], fmt: str) -> str:
    guess = _guess_format(keys)
    if guess is not None and guess != fmt:
        return (f" Its keys look like the '{guess}' format: try "
                f'--format {guess}.')
    return (' Official stage II files hold encoder/spatial MLP, temporal '
            'Transformer, Transformer_reduce and fcn/fcn_1 weights '
            '(refine-module files are not supported).')


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------
def unwrap_state_dict(obj: Any, name: str = 'checkpoint') -> Dict[str, Any]:
    """The state dict inside a loaded official file.

    Accepts a bare state dict or a dict with a ``state_dict`` entry.
    """
    if isinstance(obj, dict) and isinstance(obj.get('state_dict'), dict):
        obj = obj['state_dict']
    if not isinstance(obj, dict) or not obj or not all(
            torch.is_tensor(v) for v in obj.values()):
        kind = type(obj).__name__
        keys = sorted(map(str, obj))[:10] if isinstance(obj, dict) else []
        raise OfficialCheckpointError(
            f"'{name}' is not a state dict of tensors ({kind}; keys {keys}). "
            'Official checkpoints are torch.save(model.state_dict()) files.')
    return obj


def convert_official_state_dict(
        state_dict: Dict[str, torch.Tensor],
        fmt: str,
        num_heads: int = 8,
        strides: Optional[Sequence[int]] = None) -> ConvertedCheckpoint:
    """Map an official stage II state dict onto mpm's ``PoseLifter``.

    Args:
        state_dict: official keys (``module.`` prefix allowed) -> tensors.
        fmt: ``'pstmo'`` or ``'mpm'`` (which key prefixes the file uses).
        num_heads, strides: see :func:`infer_spec`.

    Returns:
        :class:`ConvertedCheckpoint`; its ``state_dict`` loads strictly into
        ``MODELS.build(official_model_config(spec))``.

    Raises:
        OfficialCheckpointError: unknown or missing keys (all of them are
            listed, under the file's names), or inconsistent sizes.
    """
    fmt = _check_format(fmt)
    sd = strip_module_prefix(state_dict)
    canonical: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    unknown = []
    for key, value in sd.items():
        name = to_canonical(key, fmt)
        if name is None:
            unknown.append(key)
        else:
            canonical[name] = value
    try:
        spec = infer_spec(canonical, fmt, num_heads, strides)
    except OfficialCheckpointError as err:
        shown = unknown[:20] + (['...'] if len(unknown) > 20 else [])
        extra = (f'\nKeys not of the {fmt} format ({len(unknown)}): '
                 f'{shown}' if unknown else '')
        raise OfficialCheckpointError(
            f'{err}{extra}' + _format_hint(list(sd), fmt)) from None

    expected = official_keys(spec)
    expected_set = set(expected)
    unknown += [to_official(k, fmt) for k in canonical
                if k not in expected_set]
    missing = [to_official(k, fmt) for k in expected
               if k not in canonical and not _optional(k)]
    if unknown or missing:
        lines = [f'The checkpoint does not match an official {fmt} stage II '
                 'lifter with the sizes read from it '
                 f'({describe_spec(spec)}).']
        if unknown:
            lines.append(f'Unknown keys ({len(unknown)}): {unknown}')
        if missing:
            lines.append(f'Missing keys ({len(missing)}): {missing}')
        raise OfficialCheckpointError('\n'.join(lines) +
                                      _format_hint(list(sd), fmt))

    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    qkv: Dict[str, Dict[int, torch.Tensor]] = {}
    dropped, filled = [], []
    num_pos_used = min(spec.num_pos_embeds, len(spec.strides))
    for key in expected:
        if key not in canonical:
            if key.endswith('.num_batches_tracked'):
                target = _map_plain(key)
                out[target] = torch.tensor(0, dtype=torch.long)
                filled.append(target)
            continue
        value = canonical[key]
        if key.startswith(UNUSED_PREFIXES):
            dropped.append(to_official(key, fmt))
            continue
        m = _POS.fullmatch(key)
        if m:
            index = int(m.group(1)) - 1
            if index >= num_pos_used:
                dropped.append(to_official(key, fmt))
            else:
                out[f'decoder.pos_embeds.{index}'] = value
            continue
        m = _QKV.fullmatch(key)
        if m:
            part, layer, slot, param = m.groups()
            target = f'{_QKV_TARGET[part]}.layers.{layer}.attn.qkv.{param}'
            qkv.setdefault(target, {})[int(slot)] = value
            if len(qkv[target]) == 3:
                out[target] = torch.cat([qkv[target][i] for i in range(3)])
            continue
        out[_map_plain(key)] = _transform(key, value, fmt)
    out = OrderedDict((k, v.detach().clone().contiguous())
                      for k, v in out.items())
    return ConvertedCheckpoint(out, spec, dropped, filled)


def _map_plain(key: str) -> str:
    for pattern, template, _ in _RULES:
        m = re.fullmatch(pattern, key)
        if m:
            return m.expand(template)
    raise KeyError(key)  # official_keys() and _RULES disagree: a bug


def _transform(key: str, value: torch.Tensor, fmt: str) -> torch.Tensor:
    for pattern, _, squeeze in _RULES:
        if re.fullmatch(pattern, key):
            return _squeeze_k1(to_official(key, fmt), value) if squeeze \
                else value
    raise KeyError(key)


def describe_spec(spec: OfficialSpec) -> str:
    """The sizes of ``spec`` in words (for messages and headers)."""
    return (f'J={spec.num_joints}, F={spec.num_frames}, '
            f'C={spec.embed_dim}, C2={spec.encoder_dim}, '
            f'spatial blocks={spec.num_blocks}, trunk L={spec.trunk_depth} '
            f'(FFN {spec.trunk_ffn_dim}), decoder strides='
            f'{list(spec.strides)} (FFN {spec.decoder_ffn_dim})')


# ---------------------------------------------------------------------------
# The matching model
# ---------------------------------------------------------------------------
def official_model_config(spec: OfficialSpec,
                          flip_test: bool = True) -> Dict[str, Any]:
    """The ``model`` config of the ``PoseLifter`` matching ``spec``.

    Uses ``compat='official'`` (official norm, frame-0 anchoring, no final
    norms). Dropout rates are the training values of the official code; they
    have no effect in evaluation.
    """
    C, J = spec.embed_dim, spec.num_joints
    head = dict(type='PoseRegressionHead', in_channels=C, num_joints=J)
    return dict(
        type='PoseLifter',
        compat='official',
        data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
        encoder=dict(type='PoseEncoder', num_joints=J,
                     in_channels=spec.in_channels,
                     embed_dim=spec.encoder_dim, dropout=0.25),
        trunk=dict(
            type='PoseTrunk',
            spatial=dict(type='SpatialMLP', in_dim=spec.encoder_dim,
                         out_dim=C, num_blocks=spec.num_blocks,
                         dropout=0.25),
            temporal=dict(type='TemporalTransformer',
                          num_frames=spec.num_frames, embed_dim=C,
                          depth=spec.trunk_depth, num_heads=spec.num_heads,
                          ffn_dim=spec.trunk_ffn_dim, dropout=0.1)),
        decoder=dict(type='StridedTransformerDecoder',
                     num_frames=spec.num_frames,
                     strides=list(spec.strides), embed_dim=C,
                     ffn_dim=spec.decoder_ffn_dim, num_heads=spec.num_heads,
                     dropout=0.1,
                     num_pos_embeds=min(spec.num_pos_embeds,
                                        len(spec.strides)),
                     head=dict(head)),
        seq_head=dict(head),
        loss=dict(type='MPJPELoss'),
        final_weight=1.0,
        seq_weight=1.0,
        flip_test=flip_test)


def build_official_lifter(spec: OfficialSpec,
                          state_dict: Optional[Dict[str, torch.Tensor]] = None
                          ) -> torch.nn.Module:
    """Build the ``PoseLifter`` of ``spec`` (eval mode), loading
    ``state_dict`` strictly if given.

    Raises:
        OfficialCheckpointError: the state dict does not load strictly
            (lists the missing and unexpected keys, or the shape error).
    """
    from mmengine.registry import DefaultScope

    import mpm.models  # noqa: F401  (registers the components)
    from mpm.registry import MODELS
    with DefaultScope.overwrite_default_scope('mpm'):
        model = MODELS.build(official_model_config(spec))
    if state_dict is not None:
        missing, unexpected = [], []
        ours = model.state_dict()
        missing = [k for k in ours if k not in state_dict]
        unexpected = [k for k in state_dict if k not in ours]
        if missing or unexpected:
            raise OfficialCheckpointError(
                'The converted weights do not fit the PoseLifter built for '
                f'{describe_spec(spec)}: missing {missing}, unexpected '
                f'{unexpected}.')
        try:
            model.load_state_dict(state_dict, strict=True)
        except RuntimeError as err:
            raise OfficialCheckpointError(
                'The converted weights do not fit the PoseLifter built for '
                f'{describe_spec(spec)}: {err}') from err
    return model.eval()
