"""PoseAlgorithm: the mode dispatch and defaults every algorithm shares."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.models.algorithms import PoseAlgorithm
from mpm.models.data_preprocessors import PoseDataPreprocessor
from mpm.registry import MODELS

CONFIGS = ['configs/demo/smoke.py', 'configs/demo/pretrain.py',
           'configs/demo/completion_2d_to_3d.py']


@pytest.mark.parametrize('config', CONFIGS)
def test_every_mode_dispatches_and_bad_modes_fail(config):
    init_default_scope('mpm')
    cfg = Config.fromfile(config).model
    cfg.pop('data_preprocessor', None)
    cfg.pop('init_cfg', None)
    model = MODELS.build(cfg)
    assert isinstance(model, PoseAlgorithm)
    # No data_preprocessor in the config: the pose preprocessor is used.
    assert isinstance(model.data_preprocessor, PoseDataPreprocessor)
    T = model.trunk.temporal.num_frames
    x = torch.randn(2, T, 17, 2)
    samples = dict(keypoints_3d=torch.randn(2, T, 17, 3),
                   target_index=torch.tensor([T // 2] * 2))
    model.eval()
    torch.manual_seed(0)
    via_forward = model(x, samples, mode='tensor')
    torch.manual_seed(0)
    direct = model.tensor(x, samples)
    flat = (lambda o: list(o.values()) if isinstance(o, dict) else
            [t for t in o if t is not None] if isinstance(o, tuple) else [o])
    for a, b in zip(flat(via_forward), flat(direct)):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match="Invalid mode 'train'"):
        model(x, samples, mode='train')
