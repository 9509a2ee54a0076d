"""Device-resident windows against the DataLoader path: same windows, same
augmented batches, same loss, and a training run through MMEngine's runner."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mpm.datasets import (DeviceWindowDataset, Human36mDataset,
                          apply_device_windows, window_batch_collate)

SEQ_LEN, DILATION = 5, 2


def dataset_cfg(root, **kw):
    return dict(type='Human36mDataset', data_root=root,
                subjects=['S1', 'S5'], seq_len=SEQ_LEN, dilation=DILATION,
                **kw)


def loader_cfg(dataset, batch_size=7, shuffle=True):
    return dict(batch_size=batch_size, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=shuffle),
                collate_fn=dict(type='default_collate'), dataset=dataset)


def build_loaders(root, **kw):
    init_default_scope('mpm')
    plain = loader_cfg(dataset_cfg(root, **kw))
    cfg = Config(dict(train_dataloader=copy.deepcopy(plain),
                      device_windows=True))
    assert apply_device_windows(cfg)
    assert cfg.train_dataloader.num_workers == 0
    return (Runner.build_dataloader(plain, seed=3),
            Runner.build_dataloader(cfg.train_dataloader.to_dict(), seed=3))


@pytest.mark.parametrize('subset', [1.0, 0.6])
def test_same_windows_as_the_dataloader(h36m_data, subset):
    root = h36m_data[0]
    plain, device = build_loaders(root, subset=subset)
    assert len(plain.dataset) == len(device.dataset)
    batches = 0
    for a, b in zip(plain, device):
        assert set(b) == {'window_index', 'windows'}
        got = b['windows'].gather(b['window_index'], 'cpu')
        for key in ('keypoints_2d', 'keypoints_3d', 'target_index'):
            assert torch.equal(got[key], torch.as_tensor(a[key])), key
        assert torch.equal(got['meta']['frame'], a['meta']['frame'])
        batches += 1
    assert batches == len(plain)


def test_windows_match_hand_indexing(h36m_data):
    """Edge padding and dilation against direct indexing of the videos."""
    root = h36m_data[0]
    ds = Human36mDataset(root, subjects=['S1', 'S5'], seq_len=SEQ_LEN,
                         dilation=DILATION)
    wrapped = DeviceWindowDataset(ds)
    batch = wrapped.__getitems__(list(range(len(ds))))
    got = window_batch_collate(batch)['windows'].gather(
        batch['window_index'], 'cpu')
    i = 0
    for v in range(ds.num_videos):
        kp2d, kp3d = ds.get_video(v)
        n = len(kp2d)
        for c in range(n):
            frames = [min(max(c + DILATION * (t - SEQ_LEN // 2), 0), n - 1)
                      for t in range(SEQ_LEN)]
            np.testing.assert_array_equal(got['keypoints_2d'][i].numpy(),
                                          kp2d[frames])
            np.testing.assert_array_equal(got['keypoints_3d'][i].numpy(),
                                          kp3d[frames])
            assert got['meta']['video'][i] == v
            i += 1
    assert i == len(ds)


def test_same_augmented_batches_and_losses(h36m_data, tiny_lifter):
    from mmengine.optim import OptimWrapper
    root = h36m_data[0]
    plain, device = build_loaders(root)
    losses = []
    for loader in (plain, device):
        torch.manual_seed(0)
        model = tiny_lifter(frames=SEQ_LEN, strides=(5, ), dropout=0.25,
                            flip_prob=0.5).train()
        optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
        run = []
        torch.manual_seed(11)
        for batch in loader:
            run.append(model.train_step(batch, optim)['loss'].item())
        losses.append(run)
    assert len(losses[0]) == len(plain) > 1
    assert losses[0] == losses[1]


def test_errors(h36m_data):
    root = h36m_data[0]
    ds = Human36mDataset(root, subjects=['S1'], seq_len=3,
                         pipeline=[lambda s: s])
    with pytest.raises(ValueError, match='pipeline'):
        DeviceWindowDataset(ds)
    with pytest.raises(TypeError, match='window dataset'):
        DeviceWindowDataset(list(range(4)))
    with pytest.raises(TypeError, match='DeviceWindowDataset only'):
        window_batch_collate([{'a': 1}])
