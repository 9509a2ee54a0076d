"""Config loading and command-line options shared by the tools.

Top-level key check
-------------------
MMEngine's ``Runner.from_cfg`` reads a fixed set of top-level keys and
silently ignores every other one, so a typo such as ``train_dataloder``
trains with the base config's dataloader without any warning.
:func:`load_config` (used by ``tools/train.py`` and ``tools/test.py``)
therefore calls :func:`check_config_keys`: a top-level key that is not one
the runner reads (:data:`RUNNER_KEYS`) but is a misspelling of one (at most
1 edit from a key shorter than 8 characters, 2 from a longer one: a
character inserted, deleted, replaced, or two neighbours swapped) raises
:class:`ConfigKeyError` naming the key, the file and the key it probably
meant. A known key with a prefix of its own (``amass_dataset_type``) is
more than 2 edits away and passes.

User-defined variables (``seq_len``, ``num_frames``, ``data_root``,
``max_iters``, ...) are allowed: only names that look like a misspelt runner
key are refused. To keep such a variable on purpose, start its name with an
underscore (``_val_dataloader_big``): names starting with ``_`` are never
checked.
"""
import argparse
import difflib
import os
import os.path as osp
import sys
from typing import Iterable, List, Optional

from mmengine.config import Config, DictAction

#: Top-level keys MMEngine's Runner (``Runner.from_cfg``, ``wrap_model``,
#: ``setup_env``) reads, plus the OpenMMLab conventions configs use.
RUNNER_KEYS = (
    'model', 'work_dir', 'experiment_name', 'default_scope',
    'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg',
    'val_cfg', 'test_cfg', 'optim_wrapper', 'param_scheduler',
    'auto_scale_lr', 'val_evaluator', 'test_evaluator', 'default_hooks',
    'custom_hooks', 'data_preprocessor', 'load_from', 'resume', 'launcher',
    'env_cfg', 'log_processor', 'log_level', 'visualizer', 'randomness',
    'model_wrapper_cfg', 'compile', 'sync_bn', 'find_unused_parameters',
    'activation_checkpointing', 'efficient_conv_bn_eval', 'custom_imports',
    'vis_backends', 'dataset_type', 'data_root', 'backend_args',
    'train_pipeline', 'val_pipeline', 'test_pipeline', 'device_windows')


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions,
    substitutions and swaps of two neighbouring characters cost 1."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (prev2 is not None and i > 1 and j > 1
                    and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def typo_budget(known_key: str) -> int:
    """Edits a misspelling of ``known_key`` may have: 1 for keys shorter
    than 8 characters, else 2."""
    return 1 if len(known_key) < 8 else 2


class ConfigKeyError(ValueError):
    """A top-level config key looks like a misspelt runner key."""


def find_config_typos(keys: Iterable[str],
                      known: Iterable[str] = RUNNER_KEYS) -> List[tuple]:
    """``[(key, closest known key), ...]`` for the keys that are not known
    but within :func:`typo_budget` edits of a known one (ties broken by
    :class:`difflib.SequenceMatcher` similarity). Keys starting with ``_``
    are skipped; a known key with a prefix or suffix of its own
    (``amass_dataset_type``) is not a typo."""
    known = list(known)
    typos = []
    for key in keys:
        if not isinstance(key, str) or key.startswith('_') or key in known:
            continue
        scored = []
        for name in known:
            dist = edit_distance(key, name)
            if dist <= typo_budget(name):
                ratio = difflib.SequenceMatcher(None, key, name).ratio()
                scored.append((dist, -ratio, name))
        if scored:
            typos.append((key, min(scored)[2]))
    return typos


def check_config_keys(cfg: Config, source: Optional[str] = None) -> None:
    """Raise :class:`ConfigKeyError` if a top-level key of ``cfg`` looks
    like a typo of a runner key (see the module docstring).

    Args:
        cfg: the loaded config (after ``--cfg-options``).
        source: the config file, for the message.
    """
    typos = find_config_typos(cfg.keys())
    if not typos:
        return
    where = source or cfg.filename or 'the config'
    lines = '\n'.join(f"  '{key}': did you mean '{match}'?"
                      for key, match in typos)
    raise ConfigKeyError(
        f'Unknown top-level config key(s) in {where} (from the file or '
        f'--cfg-options); the runner would silently ignore them:\n{lines}\n'
        'Fix the spelling. If the key is a variable of your own, rename it '
        "to start with '_' (names starting with '_' are not checked).")


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options every runner tool accepts (OpenMMLab command line)."""
    parser.add_argument('--work-dir', help='where logs, checkpoints and '
                        'metrics go (default: work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of checkpoints from outside the work '
        'dir (only for files whose origin you trust)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def add_projects_root(config_path: str) -> Optional[str]:
    """Put the repository holding ``config_path`` on ``sys.path``.

    Plug-ins under ``projects/<name>/`` are loaded by their configs with
    ``custom_imports = dict(imports=['projects.<name>.<module>'])``; that
    import needs the folder containing ``projects/`` on ``sys.path``, which
    ``python tools/train.py`` does not put there. The first ancestor of the
    config file with a ``projects/`` package is added (front of the path).

    Returns:
        The folder added, or None when no ancestor has ``projects/``.
    """
    folder = osp.dirname(osp.abspath(config_path))
    while True:
        if osp.isfile(osp.join(folder, 'projects', '__init__.py')):
            if folder not in sys.path:
                sys.path.insert(0, folder)
            return folder
        parent = osp.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common options of the tools.

    Makes ``projects/`` plug-ins importable (:func:`add_projects_root`),
    sets ``launcher``, merges ``--cfg-options`` and resolves ``work_dir``
    (``--work-dir``, else the config's, else ``work_dirs/<config name>``),
    so that training and testing of one config share a work dir.

    Raises:
        ConfigKeyError: a top-level key looks like a misspelt runner key
            (``train_dataloder``); see :func:`check_config_keys`.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    add_projects_root(args.config)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    check_config_keys(cfg, args.config)
    work_dir: Optional[str] = args.work_dir
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg
