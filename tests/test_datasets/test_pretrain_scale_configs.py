"""The Table E pre-training configs (small / base / large): they build their
model, and their MixtureDataset builds on tiny copies of the three sources."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch.utils.data import default_collate

from mpm.registry import DATASETS, MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOTALS = {'small': 4_170_000, 'base': 8_340_000, 'large': None}


def load(scale):
    return Config.fromfile(
        osp.join(REPO, 'configs', 'mpm', f'pretrain_{scale}.py'))


@pytest.mark.parametrize('scale', ['small', 'base', 'large'])
def test_config_builds_model(scale):
    cfg = load(scale)
    ds = cfg.train_dataloader.dataset
    assert ds.type == 'MixtureDataset'
    assert [d['type'] for d in ds.datasets] == [
        'Human36mDataset', 'MpiInf3dhpDataset', 'AmassDataset']
    assert ds.datasets[1]['joint_order'] == 'h36m'
    assert ds.get('total_samples') == TOTALS[scale]
    assert ds.fractions == [1.0, 1.0, 1.0]
    assert cfg.train_dataloader.batch_size == 1024
    assert cfg.max_epochs == 15 and cfg.val_dataloader is None
    init_default_scope('mpm')
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'MaskedPoseModeling'


def write_tiny_3dhp(root, n=8):
    rng = np.random.default_rng(0)
    cams = {c: dict(data_2d=rng.uniform(0, 2048, size=(n, 17, 2)),
                    data_3d=rng.uniform(-900, 900, size=(n, 17, 3)))
            for c in ('0', '1')}
    np.savez(osp.join(root, 'data_train_3dhp.npz'),
             data={'S1 Seq1': [cams, 25.0]})


def test_small_mixture_builds_on_tiny_data(h36m_data, tmp_path):
    h36m_root = h36m_data[0]
    write_tiny_3dhp(str(tmp_path))
    rng = np.random.default_rng(1)
    np.savez(tmp_path / 'amass_h36m_50fps.npz', positions_3d={
        'CMU/a': (rng.normal(0, 0.3, size=(10, 17, 3)) + [0, 0, 1]).astype(
            np.float32)})
    cfg = load('small').train_dataloader.dataset
    h36m, hp, amass = cfg.datasets
    h36m.update(data_root=h36m_root, seq_len=5, subjects=['S1', 'S5'])
    hp.update(data_root=str(tmp_path), seq_len=5)
    amass.update(data_root=str(tmp_path), seq_len=5)
    init_default_scope('mpm')
    mix = DATASETS.build(cfg)
    assert len(mix) == 4_170_000
    lengths = mix.lengths               # h36m: S1+S5 frames x 4 cameras
    assert lengths[1] == 2 * 8 and lengths[2] == 10 * 4
    share = np.array(mix.counts) / 4_170_000
    np.testing.assert_allclose(share, np.array(lengths) / sum(lengths),
                               atol=1e-6)
    picks = [0, int(mix.cum[1]), int(mix.cum[2]), len(mix) - 1]
    batch = default_collate([mix[i] for i in picks])
    assert batch['meta']['dataset'] == ['h36m', 'mpi_inf_3dhp', 'amass',
                                        'amass']
    assert batch['has_2d'].tolist() == [True, True, False, False]
    assert batch['keypoints_3d'].shape == (4, 5, 17, 3)
    # 3DHP in the Human3.6M order: pelvis (joint 0) is the root
    assert not batch['keypoints_3d'][1, :, 0].any()
