"""--amp selection by device, bf16 autocast training on CPU, fused
optimizers and the compile option."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mpm.engine.speed import (AmpUnavailableError, AutocastOptimWrapper,
                              apply_amp, apply_compile, apply_fused_optimizer,
                              select_amp)


def test_amp_choice_by_device(monkeypatch):
    assert select_amp('cpu') == dict(type='AutocastOptimWrapper',
                                     dtype='bfloat16')
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    assert select_amp('cuda') == dict(type='AutocastOptimWrapper',
                                      dtype='bfloat16')
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: False)
    assert select_amp('cuda') == dict(type='AmpOptimWrapper',
                                      dtype='float16', loss_scale='dynamic')
    with pytest.raises(AmpUnavailableError, match="trains on 'mps'"):
        select_amp('mps')
    monkeypatch.setattr(torch.amp, 'is_autocast_available',
                        lambda device: False)
    with pytest.raises(AmpUnavailableError, match='run without --amp'):
        select_amp('cpu')


def test_train_py_amp_error_is_one_sentence(monkeypatch, capsys):
    import importlib.util
    import os.path as osp
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(root, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    monkeypatch.setattr(train, 'training_device', lambda: 'mps')
    args = train.parse_args([osp.join(root, 'configs/demo/smoke.py'),
                             '--amp'])
    with pytest.raises(SystemExit) as err:
        train.build_config(args)
    message = str(err.value.code)
    assert message.startswith('error: --amp needs a CUDA GPU')
    assert message.count('. ') == 0 and '\n' not in message
    args = train.parse_args([osp.join(root, 'configs/demo/smoke.py'),
                             '--compile'])
    monkeypatch.setattr(train, 'training_device', lambda: 'cpu')
    with pytest.raises(SystemExit, match='CUDA GPUs only'):
        train.build_config(args)
    cfg = train.build_config(train.parse_args(
        [osp.join(root, 'configs/demo/smoke.py'), '--amp']))
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.optimizer.fused is True


def test_bf16_autocast_trains_on_cpu(tiny_lifter, train_fixed_batch):
    torch.manual_seed(0)
    model = tiny_lifter().train()
    cfg = Config(dict(optim_wrapper=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-3))))
    settings = apply_amp(cfg, 'cpu')
    assert settings['dtype'] == 'bfloat16'
    assert apply_fused_optimizer(cfg, 'cpu')
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert isinstance(wrapper, AutocastOptimWrapper)
    dtypes = []
    handle = model.encoder.register_forward_hook(
        lambda m, i, o: dtypes.append(o.dtype))
    losses = train_fixed_batch(model, wrapper, n=16)
    handle.remove()
    assert dtypes[0] == torch.bfloat16  # the forward ran under autocast
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.6 * losses[0], losses


def test_fused_optimizer_choice():
    def cfg(**optimizer):
        return Config(dict(optim_wrapper=dict(
            type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3,
                                                **optimizer))))
    c = cfg()
    assert apply_fused_optimizer(c, 'cuda') and c.optim_wrapper.optimizer.fused
    c = cfg(fused=False)
    assert not apply_fused_optimizer(c, 'cpu')
    assert c.optim_wrapper.optimizer.fused is False
    c = cfg(foreach=True)
    assert not apply_fused_optimizer(c, 'cpu')
    assert 'fused' not in c.optim_wrapper.optimizer
    c = cfg()
    assert not apply_fused_optimizer(c, 'mps')
    c = Config(dict(optim_wrapper=dict(optimizer=dict(type='RMSprop'))))
    assert not apply_fused_optimizer(c, 'cpu')


def test_fused_adam_matches_the_reference_update():
    """One fused Adam(amsgrad) step vs the closed-form update in float64."""
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(50))
    grad = torch.randn(50)
    w0 = w.detach().double().clone()
    opt = torch.optim.Adam([w], lr=1e-2, amsgrad=True, fused=True)
    w.grad = grad.clone()
    opt.step()
    g = grad.double()
    m, v = 0.1 * g, 0.001 * g * g
    m_hat, v_hat = m / 0.1, v / 0.001
    expected = w0 - 1e-2 * m_hat / (v_hat.sqrt() + 1e-8)
    torch.testing.assert_close(w.detach().double(), expected, rtol=1e-5,
                               atol=1e-6)


def test_compile_only_on_cuda():
    c = Config(dict())
    with pytest.raises(ValueError, match='slower than eager'):
        apply_compile(c, 'cpu')
    apply_compile(c, 'cuda')
    assert c.compile is True
