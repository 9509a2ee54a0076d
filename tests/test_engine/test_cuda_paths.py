"""The GPU paths (run where a CUDA GPU is visible; skipped elsewhere):
SDPA's fused dropout, bf16 autocast training, fused AdamW and the
device-resident windows on the GPU against the CPU gather."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mpm.engine.speed import apply_amp, apply_fused_optimizer, select_amp
from mpm.models.layers import MultiHeadSelfAttention
from mpm.models.layers import attention as attention_module

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason='needs a CUDA GPU')


def test_sdpa_dropout_on_gpu(monkeypatch):
    called = []
    monkeypatch.setattr(attention_module, 'attention_with_cheap_dropout',
                        lambda *a: called.append(a))
    attn = MultiHeadSelfAttention(64, 8, attn_drop=0.1).cuda().train()
    x = torch.randn(4, 243, 64, device='cuda')
    out = attn(x)
    assert not called and out.shape == x.shape
    # the fused dropout drops: two calls differ, eval is deterministic
    assert not torch.equal(attn(x), attn(x))
    attn.eval()
    assert torch.equal(attn(x), attn(x))


def test_bf16_training_and_fused_adamw_on_gpu(tiny_lifter, train_fixed_batch):
    torch.manual_seed(0)
    model = tiny_lifter().cuda().train()
    cfg = Config(dict(optim_wrapper=dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=3e-3))))
    settings = apply_amp(cfg, 'cuda')
    assert settings == select_amp('cuda')
    assert apply_fused_optimizer(cfg, 'cuda')
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    losses = train_fixed_batch(model, wrapper, n=64)
    assert losses[-1] < 0.6 * losses[0], losses


def test_device_windows_on_gpu_equal_cpu(h36m_gpu_store):
    store, index = h36m_gpu_store
    cpu = store.gather(index, 'cpu')
    gpu = store.gather(index.cuda(), 'cuda')
    for key in ('keypoints_2d', 'keypoints_3d', 'target_index'):
        assert gpu[key].is_cuda
        assert torch.equal(gpu[key].cpu(), cpu[key])


@pytest.fixture
def h36m_gpu_store(tmp_path):
    from mpm.datasets import DeviceWindowStore, Human36mDataset
    from mpm.datasets.synthetic import generate_synthetic_h36m
    generate_synthetic_h36m(str(tmp_path), num_frames=60, subjects=('S1', ),
                            actions=('Walking', ), trials=1)
    ds = Human36mDataset(str(tmp_path), subjects=['S1'], seq_len=27,
                         dilation=2, file_2d='data_2d_h36m_synthetic_det.npz')
    return DeviceWindowStore(ds), torch.randperm(len(ds))[:50]
