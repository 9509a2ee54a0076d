"""Run length from the command line: the schedule follows
``train_cfg.max_iters`` / ``max_epochs`` or the command fails; a top-level
``max_iters=N`` (a variable of the config file, read when it is parsed) is
an error naming the key that works."""
import argparse
import math
from pathlib import Path

import pytest
from mmengine.config import Config

from mpm.utils.config import ConfigKeyError, load_config
from mpm.utils.run_length import (RunLengthError, fit_schedule_to_run_length,
                                  run_length)

ROOT = Path(__file__).resolve().parents[2]


def load(rel: str, *options: str) -> Config:
    """The config as tools/train.py loads it with ``--cfg-options``."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg_options = parser.parse_args(
        ['--cfg-options', *options] if options else []).cfg_options
    args = argparse.Namespace(config=str(ROOT / rel), launcher='none',
                              cfg_options=cfg_options, work_dir='/tmp/x',
                              local_rank=0)
    return load_config(args)


def cosine(t: int, begin: int, end: int, base: float, floor: float):
    """Closed form of cosine annealing from ``base`` at ``begin`` to
    ``floor`` at ``end`` (float64)."""
    return floor + (base - floor) * (1 + math.cos(
        math.pi * (t - begin) / (end - begin))) / 2


def lr_at(cfg: Config, step: int) -> float:
    """The learning rate the schedule of ``cfg`` gives in iteration (or
    epoch) ``step`` (counted from 0), stepped by MMEngine's own schedulers
    on a one-parameter optimiser."""
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS, init_default_scope
    init_default_scope('mpm')
    model = torch.nn.Linear(1, 1)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = [PARAM_SCHEDULERS.build(dict(s),
                                         default_args=dict(
                                             optimizer=wrapper))
                  for s in cfg.param_scheduler]
    for _ in range(step):
        wrapper.optimizer.step()
        for s in schedulers:
            s.step()
    return wrapper.optimizer.param_groups[0]['lr']


@pytest.mark.filterwarnings('ignore:Detected call of')
def test_max_iters_moves_the_end_of_the_schedule():
    base = load('configs/demo/lifter.py')
    assert run_length(base) == ('iter', 1500)
    assert [s.end for s in base.param_scheduler] == [100, 1500]
    cfg = load('configs/demo/lifter.py', 'train_cfg.max_iters=300')
    assert run_length(cfg) == ('iter', 300)
    # The warm-up (0-100) is not tied to the length; the cosine is.
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 100),
                                                              (100, 300)]
    # "No validation while training" follows too.
    assert cfg.train_cfg.val_begin == cfg.train_cfg.val_interval == 301
    # The short run anneals to the floor (eta_min 1e-5) by its own last
    # iteration (299), the long one is still near the peak (2e-3) there.
    assert lr_at(cfg, 299) == pytest.approx(
        cosine(299, 100, 300, 2e-3, 1e-5), rel=1e-6)
    assert lr_at(cfg, 299) < 1.02e-5
    assert lr_at(base, 299) == pytest.approx(
        cosine(299, 100, 1500, 2e-3, 1e-5), rel=1e-6)


def test_max_epochs_moves_an_epoch_schedule():
    cfg = load('configs/pstmo/finetune_h36m_cpn_243f.py',
               'train_cfg.max_epochs=10')
    assert cfg.param_scheduler[0].end == 10
    cfg = load('configs/mpm/pretrain_h36m_243f.py', 'train_cfg.max_epochs=3')
    assert cfg.param_scheduler[0].end == 3


def test_a_schedule_set_on_the_command_line_is_kept():
    cfg = load('configs/demo/smoke.py', 'train_cfg.max_iters=250',
               'param_scheduler.0.end=200')
    assert cfg.param_scheduler[0].end == 200


def test_what_cannot_follow_fails_loudly():
    # The warm-up would end (iteration 100) and the cosine part begin after
    # a 60-iteration run: both are named.
    with pytest.raises(RunLengthError) as err:
        load('configs/demo/lifter.py', 'train_cfg.max_iters=60')
    assert 'param_scheduler.0.end' in str(err.value)
    assert 'param_scheduler.1.begin' in str(err.value)
    # A warm-up that would not end before the run does.
    cfg = Config(dict(
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1000),
        param_scheduler=[dict(type='LinearLR', by_epoch=False, begin=0,
                              end=100)]))
    with pytest.raises(RunLengthError, match=r'param_scheduler\.0\.end'):
        fit_schedule_to_run_length(cfg, ('iter', 1000), ('iter', 50))
    # Step schedules: where the steps go is the user's choice.
    cfg = Config(dict(
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=12),
        param_scheduler=[dict(type='MultiStepLR', milestones=[8, 11],
                              begin=0, end=12)]))
    with pytest.raises(RunLengthError, match='milestones'):
        fit_schedule_to_run_length(cfg, ('epoch', 12), ('epoch', 24))


def test_t_max_follows_and_other_units_stay():
    cfg = Config(dict(
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=40),
        param_scheduler=[
            dict(type='LinearLR', by_epoch=False, begin=0, end=500),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=2, end=40,
                 T_max=38)]))
    changes = fit_schedule_to_run_length(cfg, ('epoch', 40), ('epoch', 20))
    assert cfg.param_scheduler[0].end == 500  # iterations: not the length
    assert (cfg.param_scheduler[1].end, cfg.param_scheduler[1].T_max) == \
        (20, 18)
    assert len(changes) == 2


@pytest.mark.parametrize('option,hint', [
    ('max_iters=300', 'train_cfg.max_iters'),
    ('max_epochs=3', 'train_cfg.max_epochs'),
    ('seq_len=81', 'seq_len'),
])
def test_top_level_variables_on_the_command_line_are_errors(option, hint):
    with pytest.raises(ConfigKeyError, match=hint):
        load('configs/demo/lifter.py', option)


def test_runner_keys_on_the_command_line_still_work():
    cfg = load('configs/demo/smoke.py', 'load_from=x.pth',
               'randomness.seed=3')
    assert cfg.load_from == 'x.pth' and cfg.randomness.seed == 3
