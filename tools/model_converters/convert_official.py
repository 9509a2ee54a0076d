"""Convert a released P-STMO / MPM stage II checkpoint to mpm's format.

    python tools/model_converters/convert_official.py SRC \\
        --format pstmo|mpm --out DST.pth --out-config DST.py \\
        [--num-heads 8] [--strides 3 3 3] [--dilation N] \\
        [--dataset-config configs/_base_/datasets/h36m_cpn.py] \\
        [--trust-checkpoint]

SRC is the official ``state_dict`` file (``module.`` prefixes allowed).
Every size is read from the tensor shapes. DST.pth holds ``meta`` and
``state_dict`` (loads with ``torch.load(weights_only=True)``); DST.py builds
the matching ``PoseLifter`` with ``compat='official'`` and the dataset of
``--dataset-config`` with the window length of the checkpoint, so that

    python tools/test.py DST.py DST.pth

evaluates it. Unknown or missing keys stop the conversion with their list.
Example (P-STMO, 243 frames, 42.88 mm)::

    python tools/model_converters/convert_official.py \\
        checkpoint/PSTMO_no_refine_11_4288.pth --format pstmo \\
        --out work_dirs/official/pstmo_243f.pth \\
        --out-config work_dirs/official/pstmo_243f.py

The key mapping and numerics live in :mod:`mpm.models.converters.official`;
this script reads and writes the files (both written atomically).
"""
import argparse
import os.path as osp
import sys
import textwrap
from dataclasses import asdict
from typing import Any, Dict, Optional, Sequence

from mpm.engine.checkpoint import CheckpointLoadError
from mpm.models.converters.official import (FORMATS, OfficialCheckpointError,
                                            OfficialSpec,
                                            build_official_lifter,
                                            convert_official_state_dict,
                                            describe_spec,
                                            official_model_config,
                                            unwrap_state_dict)
from mpm.utils.fileio import atomic_write

#: configs/ of the source tree this script belongs to.
CONFIGS_DIR = osp.normpath(
    osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'configs'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert an official P-STMO / MPM stage II checkpoint '
        'to an mpm checkpoint and config.')
    parser.add_argument('src', help='official checkpoint (.pth state_dict)')
    parser.add_argument('--format', required=True, choices=FORMATS,
                        help='key names of the file: pstmo (encoder., '
                        'Transformer.) or mpm (encoder2d., shared_layers_*)')
    parser.add_argument('--out', required=True, help='output checkpoint')
    parser.add_argument('--out-config', help='output config (.py)')
    parser.add_argument('--num-heads', type=int, default=8,
                        help='attention heads (not stored in the file; 8 in '
                        'the official code)')
    parser.add_argument('--strides', type=int, nargs='+',
                        help='decoder strides, if the frames are not '
                        '3 ** (strided layers)')
    parser.add_argument('--dilation', type=int,
                        help='frame step inside a window for the written '
                        'config (default: 2 at 243 frames, else 1)')
    parser.add_argument('--dataset-config',
                        help='dataset _base_ file for the written config '
                        '(default: configs/_base_/datasets/h36m_cpn.py)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow full unpickling of SRC (only for files '
                        'whose origin you trust: unpickling can run code)')
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# The config file
# ---------------------------------------------------------------------------
def format_config_value(value: Any, indent: int = 0) -> str:
    """Python source of ``value`` in config style (``dict(k=v, ...)``).

    Dicts that fit on one line (within 79 columns at ``indent``) stay on
    one line; longer ones get one entry per line.
    """
    if isinstance(value, dict):
        flat = 'dict(' + ', '.join(
            f'{k}={format_config_value(v, indent)}'
            for k, v in value.items()) + ')'
        if '\n' not in flat and indent + len(flat) <= 72:
            return flat
        pad = ' ' * (indent + 4)
        items = [f'{pad}{k}={format_config_value(v, indent + 4)}'
                 for k, v in value.items()]
        return 'dict(\n' + ',\n'.join(items) + ')'
    if isinstance(value, (list, tuple)):
        inner = ', '.join(format_config_value(v, indent) for v in value)
        return f'[{inner}]' if isinstance(value, list) else f'({inner}, )'
    return repr(value)


def default_dilation(num_frames: int) -> int:
    """Window dilation of the official Human3.6M runs: 2 at 243 frames."""
    return 2 if num_frames == 243 else 1


def render_official_config(spec: OfficialSpec,
                           config_path: str,
                           dataset_config: Optional[str] = None,
                           dilation: Optional[int] = None,
                           source: str = '',
                           fmt: str = 'pstmo',
                           checkpoint_path: str = '',
                           dropped: Sequence[str] = ()) -> str:
    """Text of a test/fine-tune config for a converted official checkpoint.

    ``_base_`` holds the default runtime, ``dataset_config`` (default:
    Human3.6M with CPN detections) and the stage II schedule, as paths
    relative to ``config_path`` (where the text will be written) inside
    the source tree, absolute outside it; the window length is set to F and
    the dilation to ``dilation`` (:func:`default_dilation` when None) for
    the train, val and test sets.

    Args:
        spec: sizes read from the checkpoint.
        config_path: where the config will be written.
        dataset_config: a dataset ``_base_`` file; default
            ``configs/_base_/datasets/h36m_cpn.py`` of this source tree.
        dilation: frame step inside a window.
        source, fmt, checkpoint_path, dropped: recorded in the header.
    """
    configs = CONFIGS_DIR
    if not osp.isdir(osp.join(configs, '_base_')):
        raise FileNotFoundError(
            f'Cannot find the configs/ directory of the mpm source tree '
            f'({configs}); run this script from a source checkout.')
    dataset_config = dataset_config or osp.join(configs, '_base_', 'datasets',
                                                'h36m_cpn.py')
    if not osp.isfile(dataset_config):
        raise FileNotFoundError(
            f"Dataset config '{dataset_config}' does not exist.")
    bases = [
        osp.join(configs, '_base_', 'default_runtime.py'),
        osp.abspath(dataset_config),
        osp.join(configs, '_base_', 'schedules', 'lifter_40e.py'),
    ]
    here = osp.dirname(osp.abspath(config_path))
    tree = osp.dirname(configs)

    def rel(path: str) -> str:
        # Relative inside the source tree (survives moving the tree),
        # absolute for a config written elsewhere.
        try:
            if osp.commonpath([here, tree]) == tree:
                return osp.relpath(path, here)
        except ValueError:  # another drive on Windows
            pass
        return path

    dilation = default_dilation(spec.num_frames) \
        if dilation is None else int(dilation)
    cfg_name = osp.basename(config_path)
    ckpt = checkpoint_path or 'CONVERTED.pth'
    text = (
        f'Official {fmt} stage II lifter converted by '
        'tools/model_converters/convert_official.py' +
        (f' from {osp.basename(source)}' if source else '') +
        f'. Sizes read from the checkpoint: {describe_spec(spec)}; '
        f'{spec.num_heads} attention heads (not stored in the file). '
        "compat='official' selects the official numerics: unbiased-std norm "
        'with eps on the std, frame-0 anchored strided decoder, no final '
        'norms.')
    if dropped:
        text += (' Dropped (stored but never applied by the official '
                 'forward): ' + ', '.join(dropped) + '.')
    header = ['# ' + line for line in textwrap.wrap(text, 76)]
    header.append(
        f'# Test: python tools/test.py {cfg_name} {osp.basename(ckpt)}')
    lines = header + [
        '_base_ = [',
        *[f"    '{rel(b)}'," for b in bases],
        ']',
        f'seq_len = {spec.num_frames}',
        f'dilation = {dilation}',
        'train_dataloader = dict(',
        '    dataset=dict(seq_len=seq_len, dilation=dilation))',
        'val_dataloader = dict(',
        '    dataset=dict(seq_len=seq_len, dilation=dilation))',
        'test_dataloader = val_dataloader',
        '',
        'model = ' + format_config_value(official_model_config(spec)),
        '',
    ]
    return '\n'.join(lines)


# ---------------------------------------------------------------------------
# The conversion of a file
# ---------------------------------------------------------------------------
def convert_official_checkpoint(src: str,
                                fmt: str,
                                out: str,
                                out_config: Optional[str] = None,
                                num_heads: int = 8,
                                strides: Optional[Sequence[int]] = None,
                                dataset_config: Optional[str] = None,
                                dilation: Optional[int] = None,
                                trust: bool = False) -> Dict[str, Any]:
    """Convert an official checkpoint file and write mpm's files.

    Reads ``src`` safely (:func:`mpm.engine.load_checkpoint_file`: plain
    state dicts load with ``weights_only=True``; anything needing full
    unpickling is refused unless ``trust``), converts it, checks that it
    loads strictly into the matching ``PoseLifter``, then writes

    - ``out``: ``{'meta': ..., 'state_dict': ...}`` (loads with
      ``weights_only=True``); meta records the source name and sha256, the
      format, the sizes and the dropped keys;
    - ``out_config`` (if given): :func:`render_official_config`.

    Returns:
        dict with ``checkpoint``, ``config`` (absolute paths or None),
        ``spec``, ``dropped`` and ``filled``.
    """
    from mpm.engine.checkpoint import (load_checkpoint_file, save_published,
                                       sha256_file)
    loaded = load_checkpoint_file(src, map_location='cpu', trust=trust)
    converted = convert_official_state_dict(
        unwrap_state_dict(loaded, src), fmt, num_heads, strides)
    build_official_lifter(converted.spec, converted.state_dict)
    spec = asdict(converted.spec)
    spec['strides'] = list(converted.spec.strides)
    meta = dict(
        converted_from=osp.basename(src),
        source_sha256=sha256_file(src),
        official_format=fmt,
        official_spec=spec,
        dropped_keys=list(converted.dropped),
        filled_keys=list(converted.filled),
        compat='official')
    ckpt_path = save_published(
        dict(meta=meta, state_dict=converted.state_dict), out,
        add_hash=False)
    config_path = None
    if out_config:
        text = render_official_config(
            converted.spec, out_config, dataset_config, dilation,
            source=src, fmt=fmt, checkpoint_path=ckpt_path,
            dropped=converted.dropped)
        config_path = osp.abspath(osp.expanduser(out_config))
        atomic_write(config_path, lambda f: f.write(text), mode='w')
    return dict(checkpoint=ckpt_path, config=config_path,
                spec=converted.spec, dropped=converted.dropped,
                filled=converted.filled)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = convert_official_checkpoint(
            args.src, args.format, args.out, args.out_config,
            num_heads=args.num_heads, strides=args.strides,
            dataset_config=args.dataset_config, dilation=args.dilation,
            trust=args.trust_checkpoint)
    except (FileNotFoundError, CheckpointLoadError,
            OfficialCheckpointError) as err:
        print(f'convert_official.py: {err}', file=sys.stderr)
        raise SystemExit(1) from err
    spec = result['spec']
    print(f'sizes: J={spec.num_joints} F={spec.num_frames} '
          f'C={spec.embed_dim} C2={spec.encoder_dim} '
          f'blocks={spec.num_blocks} trunk L={spec.trunk_depth} '
          f'H={spec.trunk_ffn_dim} decoder strides={list(spec.strides)} '
          f'H={spec.decoder_ffn_dim} heads={spec.num_heads}')
    if result['dropped']:
        print('dropped (never applied by the official model): ' +
              ', '.join(result['dropped']))
    if result['filled']:
        print('filled with 0 (absent in the file): ' +
              ', '.join(result['filled']))
    print(f'checkpoint: {result["checkpoint"]}')
    if result['config']:
        print(f'config: {result["config"]}')
    return result


if __name__ == '__main__':
    main()
