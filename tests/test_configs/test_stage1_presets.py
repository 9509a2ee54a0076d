"""Stage I presets: the paper's and the official code's (documented
differences), and the frozen-trunk probe's hook."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mpm.engine.hooks import FreezePartsHook

CONFIGS = Path(__file__).resolve().parents[2] / 'configs'


@pytest.mark.parametrize('paper,official', [
    ('demo/pretrain_corpus.py', 'demo/pretrain_official.py'),
    ('mpm/pretrain_h36m_243f.py', 'mpm/pretrain_h36m_243f_official.py'),
])
def test_official_preset_differs_as_documented(paper, official):
    p = Config.fromfile(str(CONFIGS / paper))
    o = Config.fromfile(str(CONFIGS / official))
    assert p.model.modality_schedule == 'alternate'
    assert (p.model.lambda_m2m, p.model.lambda_m3m) == (2.0, 3.0)
    assert p.optim_wrapper.optimizer.type == 'AdamW'
    assert o.model.modality_schedule == 'mixed'
    assert (o.model.lambda_m2m, o.model.lambda_m3m) == (5.0, 2.0)
    assert o.optim_wrapper.optimizer.type == 'Adam'
    assert o.optim_wrapper.optimizer.weight_decay == 0.0
    for part in (o.model.encoder_2d, o.model.encoder_3d,
                 o.model.trunk.spatial, o.model.trunk.temporal,
                 o.model.decoder_2d, o.model.decoder_3d):
        assert part.dropout == 0.1
    dataset = o.train_dataloader.dataset
    h36m = dataset.datasets[0] if 'datasets' in dataset else dataset
    assert h36m.file_2d == 'data_2d_h36m_gt.npz'
    # Everything else (sizes, masking) is shared.
    assert o.model.masker_2d == p.model.masker_2d
    assert o.model.trunk.temporal.depth == p.model.trunk.temporal.depth


def test_demo_stage1_sees_the_corpus():
    cfg = Config.fromfile(str(CONFIGS / 'demo/pretrain_corpus.py'))
    dataset = cfg.train_dataloader.dataset
    assert dataset.type == 'MixtureDataset'
    kinds = [d.type for d in dataset.datasets]
    assert kinds == ['Human36mDataset', 'AmassDataset']
    corpus = dataset.datasets[1]
    assert corpus.ann_file == 'motion_corpus_h36m_50fps.npz'
    assert corpus.modality == 'both' and corpus.camera == 'virtual'


def test_freeze_parts_hook_keeps_weights_and_statistics():
    init_default_scope('mpm')

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
            self.decoder = nn.Linear(4, 2)

        def forward(self, x):
            return self.decoder(self.encoder(x))

    net = Net().train()
    runner = type('Runner', (), {'model': net})()
    hook = FreezePartsHook(parts=['encoder'])
    before = {k: v.clone() for k, v in net.encoder.state_dict().items()}
    hook.before_train(runner)
    opt = torch.optim.AdamW([p for p in net.parameters()], lr=0.1,
                            weight_decay=0.5)
    for _ in range(3):
        net.train()  # as the loop does; the hook re-freezes each iteration
        hook.before_train_iter(runner, 0)
        loss = net(torch.randn(8, 4) * 5 + 3).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    for k, v in net.encoder.state_dict().items():
        assert torch.equal(v, before[k]), k  # weights and BN statistics
    assert not net.encoder.training and net.decoder.training
    with pytest.raises(AttributeError, match='no part'):
        FreezePartsHook(parts=['trunk']).before_train(runner)
    with pytest.raises(ValueError, match='non-empty'):
        FreezePartsHook(parts='encoder')


def test_freeze_parts_hook_releases_at_until_iter():
    """LP-FT: frozen (weights and BatchNorm statistics) for the first
    ``until_iter`` iterations, then trained like the rest."""
    torch.manual_seed(0)
    net = nn.ModuleDict(dict(encoder=nn.Sequential(nn.Linear(4, 4),
                                                   nn.BatchNorm1d(4)),
                             decoder=nn.Linear(4, 2)))
    runner = type('Runner', (), {'model': net, 'iter': 0})()
    hook = FreezePartsHook(parts=['encoder'], until_iter=2)
    hook.before_train(runner)
    opt = torch.optim.AdamW(net.parameters(), lr=0.1, weight_decay=0.5)
    before = {k: v.clone() for k, v in net.encoder.state_dict().items()}
    changed = []
    for it in range(4):
        runner.iter = it
        net.train()
        hook.before_train_iter(runner, it)
        frozen = not net.encoder[0].weight.requires_grad
        assert frozen == (it < 2) and net.encoder.training == (it >= 2)
        x = torch.randn(8, 4) * 5 + 3
        loss = net.decoder(net.encoder(x)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        changed.append(not all(torch.equal(v, before[k]) for k, v in
                               net.encoder.state_dict().items()))
    assert changed == [False, False, True, True]
    # An epoch-based loop does not call train() every iteration: the
    # released parts follow the model's mode themselves.
    hook = FreezePartsHook(parts=['encoder'], until_iter=1)
    hook.before_train(runner)
    runner.iter = 0
    hook.before_train_iter(runner, 0)
    assert not net.encoder.training
    runner.iter = 1
    hook.before_train_iter(runner, 1)
    assert net.encoder.training and net.encoder[0].weight.requires_grad
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match='until_iter'):
            FreezePartsHook(until_iter=bad)
