"""tools/analysis_tools/pretrain_ablation.py: schedules and the table."""
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tool():
    path = osp.join(ROOT, 'tools/analysis_tools/pretrain_ablation.py')
    spec = importlib.util.spec_from_file_location('pretrain_ablation', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schedule_fits_any_budget(tool):
    assert tool.schedule_options(1500, 100) == [
        'train_cfg.max_iters=1500', 'param_scheduler.0.end=100',
        'param_scheduler.1.begin=100', 'param_scheduler.1.end=1500'
    ]
    # Short budgets shrink the warm-up to a tenth (at least 1 iteration).
    assert 'param_scheduler.0.end=2' in tool.schedule_options(20, 100)
    assert 'param_scheduler.0.end=1' in tool.schedule_options(5, 100)


def test_every_arm_has_a_config_that_exists(tool):
    for arm, (_, config) in tool.ARMS.items():
        assert config is None or osp.isfile(osp.join(ROOT, config)), arm


def test_table_lists_arms_with_paper_reference(tool):
    rows = [dict(arm='none', name='no pre-training', mpjpe_mm=40.04,
                 p_mpjpe_mm=30.0),
            dict(arm='actionpose', name='ActionPose', mpjpe_mm=38.0,
                 p_mpjpe_mm=29.0)]
    text = tool.table(rows)
    assert '| no pre-training | 40.0 | 30.0 | 43.1 |' in text
    assert '| ActionPose | 38.0 | 29.0 | - |' in text


def test_missing_data_is_a_clear_error(tool, tmp_path):
    with pytest.raises(SystemExit, match='make data'):
        tool.main(['--data-root', str(tmp_path / 'nowhere'),
                   '--work-dir', str(tmp_path / 'w')])
