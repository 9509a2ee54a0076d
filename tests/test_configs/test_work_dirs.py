"""Every config resolves, as ``tools/train.py`` resolves it, to a work dir of
its own, and every stage I checkpoint a fine-tuning config loads is the one
its pre-training partner writes there.

Two configs sharing a work dir overwrite (or ``--resume`` from) each
other's checkpoints; a fine-tuning config pointing at a file no config
writes fails only after hours of stage I. Both are checked here for every
config under ``configs/`` and ``projects/*/configs/`` (a glob: new configs
are covered automatically).
"""
import importlib.util
import os.path as osp
import re
from functools import lru_cache
from pathlib import Path

import pytest
from mmengine.config import Config

from mpm.utils.config import (assigned_names, default_work_dir,
                              resolve_work_dir)

ROOT = Path(__file__).resolve().parents[2]
RUNNABLE = sorted(
    [p for p in (ROOT / 'configs').rglob('*.py') if '_base_' not in p.parts]
    + list((ROOT / 'projects').glob('*/configs/**/*.py')))
#: A checkpoint a run writes: <work dir>/epoch_N.pth or iter_N.pth.
CKPT_RE = re.compile(r'^(?P<dir>.+)/(?P<unit>epoch|iter)_(?P<n>\d+)\.pth$')
#: Published files (``publish_model.py`` output, not a run's checkpoint) that
#: configs load, and the file whose commands write them.
PUBLISHED = {
    'work_dirs/demo/pretrain.pth': 'tools/run_demo.sh',
    'work_dirs/example_masker/pretrain.pth':
    'projects/example_masker/README.md',
}


def _train_tool():
    spec = importlib.util.spec_from_file_location(
        'mpm_tools_train_for_work_dirs', ROOT / 'tools' / 'train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def resolved():
    """rel path -> the config as ``tools/train.py CONFIG`` builds it (run
    from the repository root, no --work-dir)."""
    train = _train_tool()
    out = {}
    for path in RUNNABLE:
        rel = path.relative_to(ROOT).as_posix()
        cfg = train.build_config(train.parse_args([rel]))
        out[rel] = cfg
    return out


def norm(path: str) -> str:
    return osp.normpath(path).replace(osp.sep, '/')


def test_the_glob_finds_configs_and_plugins():
    rels = [p.relative_to(ROOT).as_posix() for p in RUNNABLE]
    assert 'configs/pstmo/finetune_h36m_cpn_243f.py' in rels
    assert any(r.startswith('projects/') for r in rels)


def test_every_config_has_its_own_work_dir():
    owners = {}
    for rel, cfg in resolved().items():
        owners.setdefault(norm(cfg.work_dir), []).append(rel)
    shared = {d: rels for d, rels in owners.items() if len(rels) > 1}
    assert not shared, (
        'configs that would overwrite each other\'s checkpoints: '
        f'{shared}')


def test_default_work_dir_mirrors_the_place_under_configs():
    cfgs = resolved()
    assert norm(cfgs['configs/pstmo/finetune_h36m_cpn_243f.py'].work_dir) \
        == 'work_dirs/pstmo/finetune_h36m_cpn_243f'
    assert norm(cfgs['configs/mpm/finetune_h36m_cpn_243f.py'].work_dir) \
        == 'work_dirs/mpm/finetune_h36m_cpn_243f'
    # Inherits configs/mpm/pretrain_h36m_243f.py, which sets work_dir.
    assert norm(cfgs['configs/ablations/tablea_layers2_pretrain.py']
                .work_dir) == 'work_dirs/ablations/tablea_layers2_pretrain'
    assert norm(cfgs['configs/mpm/pretrain_small.py'].work_dir) == \
        'work_dirs/mpm/pretrain_small'
    assert norm(cfgs['projects/example_masker/configs/'
                     'pretrain_h36m_243f_kinematic.py'].work_dir) == \
        'work_dirs/example_masker/pretrain_h36m_243f_kinematic'
    for rel, cfg in cfgs.items():
        if 'work_dir' not in assigned_names(ROOT / rel):
            assert norm(cfg.work_dir) == norm(default_work_dir(rel)), rel


def test_work_dir_rules(tmp_path):
    base = tmp_path / 'configs' / 'a' / 'base.py'
    base.parent.mkdir(parents=True)
    base.write_text("work_dir = 'work_dirs/the_base'\nx = 1\n")
    child = tmp_path / 'configs' / 'b' / 'child.py'
    child.parent.mkdir(parents=True)
    child.write_text("_base_ = ['../a/base.py']\nx = 2\n")
    own = tmp_path / 'configs' / 'b' / 'own.py'
    own.write_text("_base_ = ['../a/base.py']\nwork_dir = 'work_dirs/o'\n")
    lone = tmp_path / 'lone.py'
    lone.write_text('x = 1\n')
    for path in (base, child, own, lone):
        cfg = Config.fromfile(str(path))
        got = norm(resolve_work_dir(cfg, str(path)))
        want = {base: 'work_dirs/the_base', child: 'work_dirs/b/child',
                own: 'work_dirs/o', lone: 'work_dirs/lone'}[path]
        assert got == want, path
    cfg = Config.fromfile(str(child))
    assert resolve_work_dir(cfg, str(child), 'x/y') == 'x/y'
    assert resolve_work_dir(cfg, str(child), None,
                            {'work_dir': 'x/z'}) == 'x/z'
    # A file under projects/<name>/configs/.
    plug = tmp_path / 'projects' / 'p1' / 'configs' / 'sub' / 'c.py'
    assert norm(default_work_dir(str(plug))) == 'work_dirs/p1/sub/c'


def _init_checkpoints():
    for rel, cfg in resolved().items():
        init_cfg = cfg.model.get('init_cfg') or {}
        for item in (init_cfg if isinstance(init_cfg, list) else
                     [init_cfg]):
            if item.get('type') in ('PretrainedParts', 'Pretrained'):
                yield rel, item['checkpoint']


def test_some_configs_load_a_stage_i_checkpoint():
    assert len(list(_init_checkpoints())) >= 15


@pytest.mark.parametrize('rel,checkpoint', sorted(_init_checkpoints()))
def test_init_checkpoint_is_what_its_partner_writes(rel, checkpoint):
    """The checkpoint lies in the work dir of exactly one config, which
    writes it: its last epoch / iteration is the file's number."""
    match = CKPT_RE.match(norm(checkpoint))
    if match is None:
        assert checkpoint in PUBLISHED, (
            f'{rel} loads {checkpoint}, which is neither <work dir>/'
            '(epoch|iter)_N.pth of a config nor a published file listed in '
            'PUBLISHED')
        assert checkpoint in (ROOT / PUBLISHED[checkpoint]).read_text() \
            or osp.basename(checkpoint) in (
                ROOT / PUBLISHED[checkpoint]).read_text()
        return
    writers = [r for r, cfg in resolved().items()
               if norm(cfg.work_dir) == match['dir']]
    assert len(writers) == 1, (
        f'{rel} loads {checkpoint}, but no config (or more than one) '
        f'writes to {match["dir"]}: {writers}')
    writer = resolved()[writers[0]]
    key = 'max_epochs' if match['unit'] == 'epoch' else 'max_iters'
    assert writer.train_cfg.get(key) == int(match['n']), (
        f'{rel} loads {checkpoint}, but {writers[0]} stops at '
        f'{key}={writer.train_cfg.get(key)}')
