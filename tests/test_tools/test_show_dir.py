"""PoseVisualizationHook and tools/test.py --show-dir."""
import importlib.util
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from mpm.engine.hooks import PoseVisualizationHook
from mpm.registry import HOOKS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def batch(B=3, T=5, seed=0):
    rng = np.random.default_rng(seed)
    data = dict(keypoints_2d=torch.tensor(rng.uniform(-1, 1, (B, T, 17, 2))),
                target_index=torch.full((B,), T // 2))
    outputs = []
    for i in range(B):
        gt = rng.uniform(-0.5, 0.5, (17, 3))
        gt -= gt[0]
        outputs.append(dict(subject='S9', action='Walking 1', camera=i,
                            frame=10 * i, gt_keypoints_3d=torch.tensor(gt),
                            pred_keypoints_3d=torch.tensor(gt + 0.01)))
    return data, outputs


def test_hook_draws_num_windows_every_interval(tmp_path):
    hook = HOOKS.build(dict(type='PoseVisualizationHook',
                            out_dir=str(tmp_path / 'show'), num_windows=2,
                            interval=2))
    assert isinstance(hook, PoseVisualizationHook)
    runner = SimpleNamespace(logger=SimpleNamespace(info=lambda msg: None))
    hook.before_test(runner)
    for idx in range(6):
        data, outputs = batch(seed=idx)
        hook.after_test_iter(runner, idx, data, outputs)
    hook.after_test(runner)
    names = sorted(p.name for p in (tmp_path / 'show').iterdir())
    # batches 0 and 2 (interval 2), first sample of each, then stop at 2
    assert names == ['window_000_S9_Walking-1_0_f0.png',
                     'window_001_S9_Walking-1_0_f0.png']
    with Image.open(tmp_path / 'show' / names[0]) as im:
        assert im.size[0] > 300 and im.size[1] > 200


def test_hook_skips_outputs_without_ground_truth(tmp_path):
    hook = PoseVisualizationHook(str(tmp_path / 'show'))
    data, outputs = batch()
    for out in outputs:
        del out['gt_keypoints_3d']
    hook.after_test_iter(None, 0, data, outputs)
    assert not (tmp_path / 'show').exists()
    with pytest.raises(ValueError, match='interval'):
        PoseVisualizationHook(str(tmp_path), interval=0)


def test_test_py_show_dir_writes_pngs(tmp_path):
    from mpm.apis import init_lifter
    from mpm.datasets.synthetic import generate_synthetic_h36m
    data_root = tmp_path / 'data'
    generate_synthetic_h36m(str(data_root), num_frames=20, subjects=['S9'],
                            actions=['Walking'], trials=1)
    smoke = osp.join(ROOT, 'configs', 'demo', 'smoke.py')
    torch.manual_seed(0)
    ckpt = tmp_path / 'smoke.pth'
    torch.save(dict(state_dict=init_lifter(smoke).state_dict()), ckpt)
    spec = importlib.util.spec_from_file_location(
        'mpm_tools_test', osp.join(ROOT, 'tools', 'test.py'))
    test_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_tool)
    show = tmp_path / 'show'
    test_tool.main([
        smoke, str(ckpt), '--work-dir', str(tmp_path / 'work'),
        '--show-dir', str(show), '--show-num', '3', '--cfg-options',
        f'test_dataloader.dataset.data_root={data_root}',
        "test_dataloader.dataset.subjects=['S9']",
        'test_dataloader.batch_size=16', 'test_dataloader.dataset.subset=1.0'
    ])
    pngs = sorted(show.glob('*.png'))
    assert len(pngs) == 3
    assert pngs[0].name.startswith('window_000_S9_Walking')
    assert pngs[0].read_bytes()[:4] == b'\x89PNG'
