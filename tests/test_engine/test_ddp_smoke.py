"""Distributed smoke test: configs/demo/smoke.py (and the MPM pre-training
demo) trained with 2 CPU processes through tools/dist_train.sh (torchrun,
gloo).

A probe hook (written to tmp, imported through ``custom_imports``) records
on every rank the first batch, the pose masks, the averaged gradients the
optimizer receives and the weights after the step. The test checks:

- world size 2, the gloo backend, the log line naming the world size;
- the two ranks train on disjoint samples and draw different masks;
- the checkpoint keeps both ranks' RNG states;
- gradient averaging: the DDP step (SyncBatchNorm, no dropout, no flips)
  equals one single-process step on the two ranks' batches concatenated,
  computed here from the same initial weights (gradients, weights after
  the (clipped) SGD step and the BatchNorm running statistics, within float
  tolerance). On CPU ``sync_bn='torch'`` runs mpm's CPUSyncBatchNorm.
"""
import copy
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

PROBE = '''
"""Test probe: records what each rank sees in the first iteration."""
import os
import torch
from mmengine.dist import get_backend, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mpm.registry import HOOKS


@HOOKS.register_module(force=True)
class DDPProbeHook(Hook):
    priority = 'VERY_HIGH'

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.record = {}

    def _model(self, runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner):
        model = self._model(runner)
        self.record.update(
            rank=get_rank(), world_size=get_world_size(),
            backend=get_backend(), wrapper=type(runner.model).__name__,
            sync_bn=sum('SyncBatchNorm' in type(m).__name__
                        for m in model.modules()),
            init_state={k: v.clone() for k, v in model.state_dict().items()},
            masks=[])
        for name in ('masker_2d', 'masker_3d'):
            masker = getattr(model, name, None)
            if masker is not None:
                masker.register_forward_hook(
                    lambda mod, inp, out, name=name:
                    self.record['masks'].append((name, out.clone())))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if batch_idx != 0:
            return
        self.record['batch'] = data_batch
        self.record['lr'] = runner.optim_wrapper.get_lr()['lr'][0]
        wrapper = runner.optim_wrapper
        original = wrapper.step
        model = self._model(runner)

        def step(**kwargs):
            # DDP has all-reduced (averaged) the gradients by now.
            self.record['grads'] = {
                n: p.grad.clone() for n, p in model.named_parameters()
                if p.grad is not None}
            wrapper.step = original
            return original(**kwargs)

        wrapper.step = step

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if batch_idx != 0:
            return
        self.record['after_state'] = {
            k: v.clone() for k, v in self._model(runner).state_dict().items()}
        torch.save(self.record, os.path.join(
            self.out_dir, f'rank{self.record["rank"]}.pth'))
'''

#: configs/demo/smoke.py, one iteration, sync_bn, no dropout/flips, SGD.
SMOKE = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['ddp_probe'], allow_failed_imports=False)
custom_hooks = [dict(type='DDPProbeHook', out_dir={out!r})]
sync_bn = 'torch'
train_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root={data!r}, subjects=['S1', 'S5'], subset=1.0))
val_dataloader = None
val_cfg = None
val_evaluator = None
model = dict(
    data_preprocessor=dict(flip_prob=0.0),
    encoder=dict(dropout=0.0),
    trunk=dict(spatial=dict(dropout=0.0), temporal=dict(dropout=0.0)),
    decoder=dict(dropout=0.0))
train_cfg = dict(max_iters=1, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=1))
# SGD: the update is linear in the gradient (AdamW's first step is
# lr * sign(g), ill-conditioned for the ~0 gradients of biases before BN).
optim_wrapper = dict(optimizer=dict(_delete_=True, type='SGD', lr=0.05,
                                    momentum=0.9))
'''

#: The MPM pre-training demo, tiny, one iteration (masks per rank).
PRETRAIN = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['ddp_probe'], allow_failed_imports=False)
custom_hooks = [dict(type='DDPProbeHook', out_dir={out!r})]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root={data!r}, subjects=['S1', 'S5'], seq_len=9,
                 dilation=1, downsample=1))
_dec = dict(num_frames=9, in_channels=8, embed_dim=8, ffn_dim=16,
            num_heads=2)
model = dict(
    encoder_2d=dict(embed_dim=16), encoder_3d=dict(embed_dim=16),
    trunk=dict(spatial=dict(in_dim=16, out_dim=8),
               temporal=dict(num_frames=9, embed_dim=8, depth=1, ffn_dim=16,
                             num_heads=2)),
    decoder_2d=_dec, decoder_3d=_dec)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
default_hooks = dict(checkpoint=dict(interval=1))
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from mpm.datasets.synthetic import generate_synthetic_h36m
    root = tmp_path_factory.mktemp('ddp_data')
    generate_synthetic_h36m(str(root), num_frames=40, subjects=('S1', 'S5'),
                            actions=('Walking', ), trials=1)
    return str(root)


def dist_train(tmp_path, template, base, data_root):
    """Run tools/dist_train.sh with 2 processes; return (records, log)."""
    out = tmp_path / 'probe'
    out.mkdir()
    (tmp_path / 'ddp_probe.py').write_text(PROBE)
    config = tmp_path / 'ddp_config.py'
    config.write_text(
        template.format(base=osp.join(REPO, 'configs', 'demo', base),
                        out=str(out), data=data_root))
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()),
               PYTHONPATH=str(tmp_path), OMP_NUM_THREADS='1',
               CUDA_VISIBLE_DEVICES='', PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), str(config), '2',
         '--work-dir', str(tmp_path / 'work')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    records = [
        torch.load(out / f'rank{r}.pth', weights_only=False) for r in (0, 1)
    ]
    return records, log, str(config)


def sample_ids(batch):
    meta = batch['meta']
    return {(s, q, int(c), int(f)) for s, q, c, f in zip(
        meta['subject'], meta['sequence'], meta['camera'], meta['frame'])}


def check_world(records, log):
    assert 'world size: 2' in log
    for rank, rec in enumerate(records):
        assert rec['rank'] == rank and rec['world_size'] == 2
        assert rec['backend'] == 'gloo'
        assert rec['wrapper'] == 'MMDistributedDataParallel'
    ids = [sample_ids(rec['batch']) for rec in records]
    assert len(ids[0]) == len(ids[1]) == 4
    assert not ids[0] & ids[1], 'both ranks trained on the same samples'


def concat_batches(a, b):
    """Two collated batches -> the batch one process would see."""
    if torch.is_tensor(a):
        return torch.cat([a, b])
    if isinstance(a, dict):
        return {k: concat_batches(a[k], b[k]) for k in a}
    if isinstance(a, list):
        return a + b
    raise TypeError(type(a))


@pytest.mark.slow
def test_smoke_ddp_step_equals_single_process_step(data_root, tmp_path):
    records, log, config = dist_train(tmp_path, SMOKE, 'smoke.py', data_root)
    check_world(records, log)
    r0, r1 = records
    assert r0['sync_bn'] > 0, 'sync_bn did not convert the BatchNorm layers'
    for key in r0['init_state']:  # DDP starts both ranks from rank 0
        assert torch.equal(r0['init_state'][key], r1['init_state'][key])
    for key in r0['grads']:  # and keeps them in step
        assert torch.equal(r0['grads'][key], r1['grads'][key]), key

    # Single process, same initial weights, both batches concatenated.
    cfg = Config.fromfile(config, import_custom_modules=False)
    init_default_scope('mpm')
    from mpm.registry import MODELS
    model = MODELS.build(cfg.model)
    model.load_state_dict(r0['init_state'])
    model.train()

    def gradients(net, batch):
        data = net.data_preprocessor(batch, training=True)
        loss, _ = net.parse_losses(net(**data, mode='loss'))
        loss.backward()
        return {n: p.grad.clone() for n, p in net.named_parameters()}

    # Negative control: rank 0's own batch alone gives another gradient.
    own = gradients(copy.deepcopy(model), r0['batch'])
    grads = gradients(model, concat_batches(r0['batch'], r1['batch']))
    assert grads.keys() == r0['grads'].keys()
    for name, grad in grads.items():
        torch.testing.assert_close(r0['grads'][name], grad, rtol=1e-4,
                                   atol=1e-6, msg=name)
    assert any(not torch.allclose(r0['grads'][n], own[n], rtol=1e-2,
                                  atol=1e-4) for n in own)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for group in optim_wrapper.optimizer.param_groups:
        group['lr'] = r0['lr']
    optim_wrapper.step()
    after = model.state_dict()
    for key, value in r0['after_state'].items():
        if key.endswith('num_batches_tracked'):
            assert int(value) == int(after[key]) == 1
            continue
        # Includes the BatchNorm running mean/var: SyncBatchNorm's statistics
        # over both ranks equal plain BatchNorm's over the whole batch.
        torch.testing.assert_close(value, after[key], rtol=1e-4, atol=1e-6,
                                   msg=key)
    moved = [k for k in after if not torch.equal(after[k],
                                                 r0['init_state'][k])]
    assert len(moved) > len(after) // 2  # the step really changed weights


@pytest.mark.slow
def test_pretrain_ranks_draw_different_masks(data_root, tmp_path):
    records, log, _ = dist_train(tmp_path, PRETRAIN, 'pretrain.py',
                                 data_root)
    check_world(records, log)
    masks = [dict(rec['masks']) for rec in records]
    # Step 0 of the 2D/3D alternation runs the 2D branch on both ranks.
    assert set(masks[0]) == set(masks[1]) == {'masker_2d'}
    m0, m1 = masks[0]['masker_2d'], masks[1]['masker_2d']
    assert m0.shape == m1.shape == (4, 9, 17) and m0.dtype == torch.bool
    assert m0.any() and m1.any()
    assert not torch.equal(m0, m1), 'both ranks drew the same masks'
    # The checkpoint holds both ranks' generator states (ResumeStateHook).
    ckpt = torch.load(tmp_path / 'work' / 'iter_1.pth', weights_only=False)
    state = ckpt['mpm_resume_state']
    assert state['world_size'] == 2 and len(state['rng']) == 2
    assert not torch.equal(state['rng'][0]['torch'], state['rng'][1]['torch'])
    assert int(ckpt['state_dict']['num_paired_steps']) == 1


def test_cpu_sync_bn_without_process_group_is_batchnorm():
    """Single process: CPUSyncBatchNorm normalises, back-propagates and
    updates its running statistics exactly like nn.BatchNorm1d (the
    conversion keeps weights and statistics)."""
    from mpm.engine.sync_bn import CPUSyncBatchNorm, convert_cpu_sync_batchnorm
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4),
                                    torch.nn.BatchNorm1d(4, momentum=0.2))
    with torch.no_grad():
        reference[1].weight.uniform_(0.5, 2)
        reference[1].running_mean.fill_(0.3)
    converted = convert_cpu_sync_batchnorm(copy.deepcopy(reference))
    assert isinstance(converted[1], CPUSyncBatchNorm)
    assert converted[1].momentum == 0.2
    x = torch.randn(6, 3)
    outs = []
    for net in (reference, converted):
        net.train()
        out = net(x)
        (out ** 3).sum().backward()
        outs.append((out, net[0].weight.grad, net[1].running_mean,
                     net[1].running_var))
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b)
    assert converted.state_dict().keys() == reference.state_dict().keys()
