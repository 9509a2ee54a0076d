"""Changing a run's length from the command line.

``--cfg-options train_cfg.max_iters=N`` (or ``max_epochs``) changes only the
loop: a learning-rate schedule written for the config's own length would
still end at the old one, so a longer run sits at the floor learning rate
for the rest and a shorter one stops before its schedule ends.
:func:`fit_schedule_to_run_length` therefore moves every part of the
configuration tied to the old length L to the new length N:

- ``param_scheduler`` entries counted in the loop's unit (``by_epoch``
  True for ``EpochBasedTrainLoop``, False for ``IterBasedTrainLoop``):
  ``end == L`` becomes N, an explicit ``T_max == L - begin`` becomes
  ``N - begin``; entries counted in the other unit (an iteration warm-up
  in an epoch-based run) are not tied to the length and stay;
- ``train_cfg.val_begin`` / ``val_interval`` equal to ``L + 1`` (the
  configs' "no validation while training") become ``N + 1``.

What cannot be moved is an error that names the entry to set
(:class:`RunLengthError`): ``milestones`` of a step schedule (where the
steps belong in a new length is a choice), a scheduler that would begin at
or after N, or one that would end after N without ending at L (e.g. a
warm-up longer than the new run). Scheduler entries the same command line
sets itself (``param_scheduler.0.end=...``) are the user's: they are neither
moved nor checked.
"""
from typing import Iterable, List, Optional, Tuple

#: (unit, count) of a run: ('iter', max_iters) or ('epoch', max_epochs).
RunLength = Tuple[str, int]


class RunLengthError(ValueError):
    """The schedule cannot follow a run length set on the command line."""


def run_length(cfg) -> Optional[RunLength]:
    """('iter', max_iters), ('epoch', max_epochs) or None (no train_cfg)."""
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_iters') is not None:
        return 'iter', int(train_cfg['max_iters'])
    if train_cfg.get('max_epochs') is not None:
        return 'epoch', int(train_cfg['max_epochs'])
    return None


def _schedulers(cfg) -> List[dict]:
    schedulers = cfg.get('param_scheduler')
    if schedulers is None:
        return []
    return list(schedulers) if isinstance(schedulers, (list, tuple)) \
        else [schedulers]


def _user_set(index: int, keys: Iterable[str]) -> bool:
    """Whether the command line sets ``param_scheduler`` entry ``index``
    (or the whole list)."""
    for key in keys:
        if key == 'param_scheduler' or key.startswith(
                f'param_scheduler.{index}.') or key == \
                f'param_scheduler.{index}':
            return True
    return False


def fit_schedule_to_run_length(cfg, old: RunLength, new: RunLength,
                               option_keys: Iterable[str] = ()) -> List[str]:
    """Move the parts of ``cfg`` tied to the run length ``old`` to ``new``
    (see the module docstring); ``cfg`` is changed in place.

    Args:
        cfg: the config after ``--cfg-options`` were merged.
        old, new: :func:`run_length` before and after the options.
        option_keys: the ``--cfg-options`` keys (entries they set are left
            as they are).

    Returns:
        One line per change, e.g. ``param_scheduler.1.end: 1500 -> 300``.

    Raises:
        RunLengthError: an entry tied to the length cannot be moved; the
            message names the entry to set on the command line.
    """
    option_keys = list(option_keys)
    changes: List[str] = []
    if old is None or new is None or old == new:
        return changes
    unit, length = new
    if old[0] != unit:
        if any(key.startswith('param_scheduler') for key in option_keys):
            return changes  # a new loop with its own schedule
        raise RunLengthError(
            f'The command line changes the run from {old[1]} {old[0]}s to '
            f'{length} {unit}s (another loop type): set param_scheduler for '
            'the new loop on the command line as well, or keep the unit.')
    old_length = old[1]
    by_epoch = unit == 'epoch'
    problems: List[str] = []
    for i, sched in enumerate(_schedulers(cfg)):
        if _user_set(i, option_keys):
            continue
        if bool(sched.get('by_epoch', True)) != by_epoch:
            continue  # counted in the other unit: not tied to the length
        name = f"param_scheduler.{i} ({sched.get('type')})"
        begin = int(sched.get('begin', 0))
        end = sched.get('end')
        if begin >= length:
            problems.append(
                f'{name} begins at {unit} {begin}, at or after the new run '
                f'length {length}: it would never run. Set '
                f'param_scheduler.{i}.begin (and .end) on the command line '
                'too.')
            continue
        if sched.get('milestones'):
            problems.append(
                f'{name} steps at {list(sched["milestones"])} {unit}s of a '
                f'{old_length}-{unit} run; where the steps belong in a '
                f'{length}-{unit} run is your choice: set '
                f'param_scheduler.{i}.milestones on the command line too.')
            continue
        if sched.get('T_max') is not None and \
                int(sched['T_max']) == old_length - begin:
            sched['T_max'] = length - begin
            changes.append(f'param_scheduler.{i}.T_max: '
                           f'{old_length - begin} -> {length - begin}')
        if end is not None and int(end) == old_length:
            sched['end'] = length
            changes.append(f'param_scheduler.{i}.end: {old_length} -> '
                           f'{length}')
        elif end is not None and int(end) > length:
            problems.append(
                f'{name} ends at {unit} {end}, after the new run length '
                f'{length} (and not at the old length {old_length}, so it '
                f'is not moved with it): set param_scheduler.{i}.end on '
                'the command line too.')
    if problems:
        raise RunLengthError(
            f'The run length changes from {old_length} to {length} {unit}s '
            'on the command line, but the schedule cannot follow:\n  ' +
            '\n  '.join(problems))
    train_cfg = cfg.train_cfg
    for key in ('val_begin', 'val_interval'):
        if f'train_cfg.{key}' in option_keys:
            continue
        if train_cfg.get(key) == old_length + 1:
            train_cfg[key] = length + 1
            changes.append(f'train_cfg.{key}: {old_length + 1} -> '
                           f'{length + 1} (no validation while training)')
    return changes
