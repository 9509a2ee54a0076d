"""projects/example_masker: configs load the plug-in; masker semantics.

The kinematic descendants below are written by hand from the Human3.6M-17
parents of PAPER_FACTS ([-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14,
15]), independently of the code under test.
"""
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.registry import MASKERS, MODELS

ROOT = Path(__file__).resolve().parents[2]
PROJECT_CONFIGS = sorted((ROOT / 'projects').glob('*/configs/**/*.py'))
PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]
# Joint -> itself and every joint below it (by hand).
DESCENDANTS = {
    1: {1, 2, 3}, 2: {2, 3}, 3: {3},
    4: {4, 5, 6}, 5: {5, 6}, 6: {6},
    7: set(range(7, 17)), 8: set(range(8, 17)), 9: {9, 10}, 10: {10},
    11: {11, 12, 13}, 12: {12, 13}, 13: {13},
    14: {14, 15, 16}, 15: {15, 16}, 16: {16},
}


@pytest.fixture
def plugin(monkeypatch):
    """Import the plug-in the way custom_imports does (repo root on path)."""
    monkeypatch.syspath_prepend(str(ROOT))
    import importlib
    module = importlib.import_module('projects.example_masker.example_masker')
    init_default_scope('mpm')
    return module


def test_project_configs_exist():
    names = {p.name for p in PROJECT_CONFIGS}
    assert {'demo_pretrain_kinematic.py', 'demo_finetune_kinematic.py',
            'pretrain_h36m_243f_kinematic.py'} <= names


def _forget_plugin(monkeypatch):
    """Undo any earlier import of the plug-in for this test (restored after):
    unregister the masker and drop the project's modules."""
    monkeypatch.delitem(MASKERS._module_dict, 'KinematicChainMasker',
                        raising=False)
    for name in list(sys.modules):
        if name == 'projects' or name.startswith('projects.'):
            monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize('path', PROJECT_CONFIGS,
                         ids=[p.name for p in PROJECT_CONFIGS])
def test_loading_a_project_config_registers_the_plugin(monkeypatch, path):
    """Not registered before, registered by Config.fromfile's
    custom_imports (repository root on sys.path, as the README says)."""
    _forget_plugin(monkeypatch)
    monkeypatch.syspath_prepend(str(ROOT))
    assert 'KinematicChainMasker' not in MASKERS.module_dict
    Config.fromfile(str(path))
    assert 'KinematicChainMasker' in MASKERS.module_dict
    assert 'projects.example_masker.example_masker' in sys.modules


def test_without_the_repo_root_on_the_path_loading_fails_loudly(
        monkeypatch, tmp_path):
    """allow_failed_imports=False: a config whose plug-in cannot be imported
    is an error, not a silently unregistered type."""
    _forget_plugin(monkeypatch)
    monkeypatch.chdir(tmp_path)
    root = str(ROOT)
    monkeypatch.setattr(sys, 'path', [
        p for p in sys.path if p not in ('', '.', root)
        and Path(p or '.').resolve() != ROOT
    ])
    with pytest.raises(ImportError, match='Failed to import custom modules '
                       ".*projects.example_masker.example_masker") as err:
        Config.fromfile(str(PROJECT_CONFIGS[0]))
    assert 'PYTHONPATH' in str(err.value)
    assert 'KinematicChainMasker' not in MASKERS.module_dict


@pytest.mark.parametrize('path', PROJECT_CONFIGS,
                         ids=[p.name for p in PROJECT_CONFIGS])
def test_project_config_builds_its_model(plugin, path):
    text = path.read_text()
    assert text.startswith('#'), f'{path} must start with a comment'
    cfg = Config.fromfile(str(path))
    assert cfg.custom_imports == dict(
        imports=['projects.example_masker.example_masker'],
        allow_failed_imports=False)
    model = MODELS.build(cfg.model)
    maskers = [m for m in model.modules()
               if type(m).__name__ == 'KinematicChainMasker']
    if 'pretrain' in path.name:
        assert len(maskers) == 2  # the 2D and the 3D branch
        assert all(m.num_chains == 2 for m in maskers)


def test_demo_pretrain_runs_a_loss_step(plugin):
    cfg = Config.fromfile(
        str(ROOT / 'projects/example_masker/configs/demo_pretrain_kinematic.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    T = cfg.model.trunk.temporal.num_frames
    data = dict(keypoints_2d=torch.randn(4, T, 17, 2),
                keypoints_3d=torch.randn(4, T, 17, 3) * 0.2)
    batch = model.data_preprocessor(data, training=True)
    model.train()
    losses = model(**batch, mode='loss')
    assert set(losses) == {'loss_m2m'} and torch.isfinite(losses['loss_m2m'])
    # 60% of the 27 frames are hidden whole and dropped before the trunk;
    # on top of them two chains per sample.
    mask = model.masker_2d(data['keypoints_2d'])
    whole = mask.all(-1)
    assert (whole.sum(1) >= 16).all()
    assert mask.float().mean() > 16 / 27


def test_hand_written_examples(plugin):
    torch.manual_seed(0)
    x = torch.zeros(64, 5, 17, 2)
    for chain, hidden in [(12, {12, 13}), (1, {1, 2, 3}), (9, {9, 10}),
                          (8, set(range(8, 17)))]:
        masker = MASKERS.build(dict(type='KinematicChainMasker',
                                    num_chains=1, candidates=[chain]))
        mask = masker(x)
        expected = torch.zeros(17, dtype=torch.bool)
        expected[sorted(hidden)] = True
        assert torch.equal(mask, expected.expand(64, 5, 17))
    masker = MASKERS.build(dict(type='KinematicChainMasker', num_chains=2,
                                candidates=[12, 15]))
    expected = torch.zeros(17, dtype=torch.bool)
    expected[[12, 13, 15, 16]] = True
    assert torch.equal(masker(x), expected.expand(64, 5, 17))


def _tops(hidden):
    """Hidden joints whose parent is visible (the chain roots)."""
    return {j for j in hidden if PARENTS[j] < 0 or PARENTS[j] not in hidden}


@pytest.mark.parametrize('num_chains', [1, 2, 3])
def test_random_chains_hide_whole_subtrees_constant_over_time(
        plugin, num_chains):
    torch.manual_seed(num_chains)
    mask = MASKERS.build(dict(type='KinematicChainMasker',
                              num_chains=num_chains))(torch.zeros(
                                  400, 7, 17, 3))
    assert mask.shape == (400, 7, 17) and mask.dtype == torch.bool
    assert torch.equal(mask, mask[:, :1].expand_as(mask))  # constant in time
    seen_tops = set()
    for sample in mask[:, 0]:
        hidden = {j for j in range(17) if sample[j]}
        assert 0 not in hidden  # the root is never a candidate by default
        tops = _tops(hidden)
        # The hidden set is exactly the union of its tops' subtrees...
        assert hidden == set().union(*(DESCENDANTS[t] for t in tops))
        # ...from at most num_chains chains (nested chains merge).
        assert 1 <= len(tops) <= num_chains
        seen_tops |= tops
        if num_chains == 1:
            assert len(tops) == 1
    if num_chains == 1:  # every non-root joint gets drawn
        assert seen_tops == set(range(1, 17))


def test_chains_differ_between_samples(plugin):
    torch.manual_seed(0)
    mask = MASKERS.build(dict(type='KinematicChainMasker', num_chains=1))(
        torch.zeros(32, 3, 17, 2))
    assert len({tuple(m[0].tolist()) for m in mask}) > 3


def test_zero_chains_hides_nothing(plugin):
    mask = MASKERS.build(dict(type='KinematicChainMasker', num_chains=0))(
        torch.zeros(2, 3, 17, 2))
    assert not mask.any()


def test_descendant_table_against_hand_written(plugin):
    table = plugin.descendant_table(PARENTS)
    for j, below in DESCENDANTS.items():
        assert {k for k in range(17) if table[j, k]} == below
    assert table[0].all()


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_chains=17), r'0\.\.16'),
    (dict(num_chains=-1), r'0\.\.16'),
    (dict(num_chains=True), 'must be an int'),
    (dict(candidates=[1, 1]), 'distinct'),
    (dict(candidates=[17]), 'distinct joint indices in 0..16'),
    (dict(parents=[-1, -1, 0]), 'one root'),
    (dict(parents=[-1, 2, 1]), 'cycle'),
])
def test_bad_arguments_fail_clearly(plugin, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plugin.KinematicChainMasker(**kwargs)


def test_wrong_joint_count_fails_clearly(plugin):
    masker = plugin.KinematicChainMasker()
    with pytest.raises(ValueError, match='17 joints but the poses have 16'):
        masker(torch.zeros(2, 3, 16, 2))


def test_expected_hidden_joints_of_two_random_chains(plugin):
    """Mean hidden joints with 2 chains = the average size of the union of
    two distinct candidates' subtrees (by enumeration of the 120 pairs:
    634 / 120 = 5.283), so 2 chains + 60% whole frames hide about 71.9%
    (27 frames) / 72.2% (243 frames), close to MPM's 71.8%."""
    import itertools
    pairs = list(itertools.combinations(range(1, 17), 2))
    exact = sum(len(DESCENDANTS[a] | DESCENDANTS[b])
                for a, b in pairs) / len(pairs)
    assert exact == pytest.approx(634 / 120)
    torch.manual_seed(0)
    mask = MASKERS.build(dict(type='KinematicChainMasker', num_chains=2))(
        torch.zeros(4000, 1, 17, 2))
    assert mask.sum(-1).float().mean().item() == pytest.approx(exact,
                                                               abs=0.2)


def test_tools_put_the_projects_root_on_the_path(monkeypatch, tmp_path):
    """tools/train.py and tools/test.py (load_config) find the plug-in
    without PYTHONPATH: the folder holding projects/ goes on sys.path."""
    from mpm.utils.config import add_projects_root
    _forget_plugin(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, 'path', [
        p for p in sys.path if p not in ('', '.', str(ROOT))
        and Path(p or '.').resolve() != ROOT
    ])
    assert add_projects_root(str(PROJECT_CONFIGS[0])) == str(ROOT)
    Config.fromfile(str(PROJECT_CONFIGS[0]))
    assert 'KinematicChainMasker' in MASKERS.module_dict
    # A config outside any repository with projects/: nothing added.
    lone = tmp_path / 'lone.py'
    lone.write_text('x = 1\n')
    assert add_projects_root(str(lone)) is None
