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

Command-line options
--------------------
``--cfg-options`` edit the parsed config, so a variable of the file
(``max_iters=300``, ``seq_len=81``, ``data_root=...``) would change nothing:
:func:`check_cfg_options` refuses it and names the entry to set
(``train_cfg.max_iters=300``). A new run length (``train_cfg.max_iters`` /
``max_epochs``) moves the learning-rate schedule and the other entries tied
to the old length with it, or fails naming what to set
(:mod:`mpm.utils.run_length`).

Sampler of iteration-based runs
-------------------------------
An ``IterBasedTrainLoop`` restarts a ``DefaultSampler`` at the end of each
pass with a warning (``Reach the end of the dataloader ...``). The dataset
configs use ``DefaultSampler`` (right for epochs), so :func:`load_config`
gives an iteration-based run ``InfiniteSampler`` instead (same ``shuffle``
and ``seed``; :func:`sampler_for_loop`); a config derived for epochs keeps
``DefaultSampler``.

Work dir
--------
Every config has its own work dir, so that no two runs write (or resume
from) the same checkpoints. :func:`resolve_work_dir` picks, in order:

1. ``--work-dir`` on the command line (or ``--cfg-options work_dir=...``);
2. ``work_dir`` assigned in the config file itself (the leaf file, not one
   of its ``_base_`` files: a ``work_dir`` inherited from a base is the
   base's own folder, and inheriting it would make the child overwrite the
   base's checkpoints, so it is ignored);
3. the config's place under ``configs/`` (:func:`default_work_dir`):
   ``configs/pstmo/finetune_h36m_cpn_243f.py`` ->
   ``work_dirs/pstmo/finetune_h36m_cpn_243f``, and for a plug-in
   ``projects/<name>/configs/x.py`` -> ``work_dirs/<name>/x``; a config
   outside any ``configs/`` folder -> ``work_dirs/<file name>``.
"""
import argparse
import ast
import difflib
import os
import os.path as osp
import sys
from typing import Iterable, List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from .run_length import fit_schedule_to_run_length, run_length

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
#: Names in RUNNER_KEYS by OpenMMLab convention only: variables of the config
#: file (read while it is parsed), not read by the runner.
FILE_VARIABLES = ('dataset_type', 'data_root', 'backend_args',
                  'train_pipeline', 'val_pipeline', 'test_pipeline')
#: Where a length variable of a config file goes on the command line.
LENGTH_KEYS = {'max_iters': 'train_cfg.max_iters',
               'max_epochs': 'train_cfg.max_epochs',
               'val_interval': 'train_cfg.val_interval'}


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


def check_cfg_options(options: Optional[dict],
                      source: Optional[str] = None) -> None:
    """Refuse ``--cfg-options`` that set a variable of the config file.

    ``--cfg-options`` edits the parsed config, after the file's variables
    (``max_iters = 1500``, ``seq_len = 27``, ``data_root``) were already
    substituted where the file uses them, so setting such a name changes
    nothing the runner reads. A top-level option that is not a runner key
    (or starts with ``_``) raises :class:`ConfigKeyError` naming the entry
    to set instead (``max_iters`` -> ``train_cfg.max_iters``).
    """
    bad = [key for key in (options or {})
           if '.' not in key and not key.startswith('_') and (
               key not in RUNNER_KEYS or key in FILE_VARIABLES)]
    if not bad:
        return
    lines = []
    for key in bad:
        where = LENGTH_KEYS.get(key)
        hint = (f"set '{where}' instead" if where else
                'set the entries that use it instead (e.g. '
                'train_dataloader.dataset.<name>=...)')
        lines.append(f"  '{key}': {hint}")
    raise ConfigKeyError(
        f'--cfg-options sets variable(s) of {source or "the config file"} '
        'that the runner never reads (the file\'s variables are substituted '
        'when it is parsed, before --cfg-options apply):\n' +
        '\n'.join(lines))


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options every runner tool accepts (OpenMMLab command line)."""
    parser.add_argument(
        '--work-dir', help='where logs, checkpoints and metrics go '
        "(default: the config file's own work_dir, else "
        'work_dirs/<config path under configs/>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none', help='job launcher')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='fully unpickle checkpoints that need Python globals outside '
        "the allow-list of mpm/MMEngine checkpoints (never needed for mpm's "
        'own files; only for files whose origin you trust: unpickling can '
        'run code)')
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


def default_work_dir(config_path: str, root: str = './work_dirs') -> str:
    """The work dir of ``config_path`` when neither the command line nor the
    file itself sets one: its place under ``configs/``, without ``.py``.

    ``configs/mpm/pretrain_h36m_243f.py`` -> ``work_dirs/mpm/
    pretrain_h36m_243f``; ``projects/<name>/configs/<sub>/x.py`` ->
    ``work_dirs/<name>/<sub>/x``; a file outside any ``configs/`` folder ->
    ``work_dirs/<file name>``. The last ``configs`` folder of the path
    counts, so ``configs/_base_/...`` fragments are never confused with it.
    """
    parts = osp.normpath(osp.abspath(config_path)).split(os.sep)
    parts[-1] = osp.splitext(parts[-1])[0]
    anchors = [i for i, part in enumerate(parts[:-1]) if part == 'configs']
    if not anchors:
        return osp.join(root, parts[-1])
    i = anchors[-1]
    rel = parts[i + 1:]
    if i >= 2 and parts[i - 2] == 'projects':
        rel = [parts[i - 1]] + rel
    return osp.join(root, *rel)


def assigned_names(config_path: str) -> set:
    """Top-level names the file ``config_path`` itself assigns (not its
    ``_base_`` files)."""
    with open(config_path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=config_path)
    names = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign) else
                   [node.target] if isinstance(
                       node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for item in ast.walk(target):
                if isinstance(item, ast.Name):
                    names.add(item.id)
    return names


def resolve_work_dir(cfg: Config, config_path: str,
                     work_dir: Optional[str] = None,
                     cfg_options: Optional[dict] = None) -> str:
    """The work dir of a run of ``config_path`` (see the module docstring):
    ``work_dir`` (``--work-dir``), else ``work_dir`` of ``cfg_options``,
    else the leaf file's own ``work_dir``, else :func:`default_work_dir`.
    A ``work_dir`` that ``cfg`` inherits from a ``_base_`` file is
    ignored."""
    if work_dir is not None:
        return work_dir
    if cfg_options and cfg_options.get('work_dir') is not None:
        return cfg_options['work_dir']
    if (cfg.get('work_dir') is not None
            and 'work_dir' in assigned_names(config_path)):
        return cfg.work_dir
    return default_work_dir(config_path)


def sampler_for_loop(cfg: Config) -> bool:
    """Give an iteration-based run (``IterBasedTrainLoop``) a
    ``DefaultSampler``'s ``InfiniteSampler`` (same ``shuffle``, ``seed``);
    True if it changed ``cfg``."""
    train_cfg = cfg.get('train_cfg') or {}
    loader = cfg.get('train_dataloader') or {}
    iterations = (train_cfg.get('type') == 'IterBasedTrainLoop' or (
        'type' not in train_cfg and train_cfg.get('by_epoch') is False))
    sampler = loader.get('sampler') or {}
    if not iterations or sampler.get('type') not in (
            'DefaultSampler', 'mmengine.DefaultSampler'):
        return False
    infinite = dict(type='InfiniteSampler',
                    shuffle=sampler.get('shuffle', True))
    if sampler.get('seed') is not None:
        infinite['seed'] = sampler['seed']
    cfg.train_dataloader.sampler = infinite
    return True


def add_dataset_meta_hook(cfg: Config) -> None:
    """Add ``DatasetMetaHook`` to ``cfg.default_hooks`` (key
    ``dataset_meta``) unless the config sets that key (then its value,
    ``None`` included, is kept): skeleton facts flow from the dataset to
    the model, and checkpoints record and check their joint order."""
    hooks = dict(cfg.get('default_hooks') or {})
    hooks.setdefault('dataset_meta', dict(type='DatasetMetaHook'))
    cfg.default_hooks = hooks


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common options of the tools.

    Makes ``projects/`` plug-ins importable (:func:`add_projects_root`),
    sets ``launcher``, merges ``--cfg-options`` (refusing variables of the
    file, :func:`check_cfg_options`; a new ``train_cfg.max_iters`` /
    ``max_epochs`` moves the schedule with it,
    :func:`~mpm.utils.run_length.fit_schedule_to_run_length`), gives an
    iteration-based run an ``InfiniteSampler`` (:func:`sampler_for_loop`),
    adds ``DatasetMetaHook`` (:func:`add_dataset_meta_hook`) and resolves
    ``work_dir``
    with :func:`resolve_work_dir` (``--work-dir``, else the leaf config's
    own ``work_dir``, else the config's place under ``configs/``), so that
    training and testing of one config share a work dir and no two configs
    share one.

    Raises:
        ConfigKeyError: a top-level key looks like a misspelt runner key
            (``train_dataloder``; :func:`check_config_keys`), or an option
            sets a variable of the file (:func:`check_cfg_options`).
        RunLengthError: the schedule cannot follow a new run length.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    add_projects_root(args.config)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(args.cfg_options, args.config)
        length = run_length(cfg)
        cfg.merge_from_dict(args.cfg_options)
        changes = fit_schedule_to_run_length(cfg, length, run_length(cfg),
                                             args.cfg_options)
        if changes:
            print_log('Run length set on the command line; the schedule '
                      'follows it:\n  ' + '\n  '.join(changes),
                      logger='current')
    check_config_keys(cfg, args.config)
    sampler_for_loop(cfg)
    add_dataset_meta_hook(cfg)
    cfg.work_dir = resolve_work_dir(cfg, args.config, args.work_dir,
                                    args.cfg_options)
    return cfg
