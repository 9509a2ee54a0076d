"""Attention dropout: the CPU byte-mask path against a float64 reference,
and the automatic choice of kernel by device."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mpm.models.layers import (Dropout, MultiHeadSelfAttention, random_bytes,
                               uses_byte_mask)
from mpm.models.layers import attention as attention_module


def reference_attention(q, k, v, keep, rate):
    """float64 numpy: softmax(q k^T / sqrt(c)) * keep / (1 - rate) @ v."""
    q, k, v = (t.detach().double().numpy() for t in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    probs = scores / scores.sum(-1, keepdims=True)
    return (probs * keep / (1 - rate)) @ v


@pytest.mark.parametrize('p', [0.1, 0.25])
def test_cheap_attention_dropout_matches_float64_reference(p):
    torch.manual_seed(0)
    q, k, v = torch.randn(3, 2, 4, 11, 8).unbind(0)
    torch.manual_seed(7)
    out = attention_module.attention_with_cheap_dropout(q, k, v, p)
    torch.manual_seed(7)
    threshold = round(p * 256)
    keep = (random_bytes((2, 4, 11, 11), q.device) >= threshold).numpy()
    assert 0 < keep.mean() < 1
    expected = reference_attention(q, k, v, keep, threshold / 256)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_cheap_attention_dropout_gradient_matches_autograd_reference():
    torch.manual_seed(1)
    q, k, v = (t.double().requires_grad_() for t in
               torch.randn(3, 1, 2, 6, 4).unbind(0))
    torch.manual_seed(2)
    attention_module.attention_with_cheap_dropout(q, k, v, 0.25).sum() \
        .backward()
    grads = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    torch.manual_seed(2)
    keep = (random_bytes((1, 2, 6, 6), q.device) >= 64).double()
    probs = (q @ k.transpose(-1, -2) / 2.0).softmax(-1)
    ((probs * keep / 0.75) @ v).sum().backward()
    for got, t in zip(grads, (q, k, v)):
        torch.testing.assert_close(got, t.grad)


def test_kernel_choice_follows_the_device(monkeypatch):
    """CPU training uses the byte mask; another device (here 'meta', the
    shape-only device: no GPU is needed) goes to SDPA with its dropout."""
    calls = []
    real_sdpa = F.scaled_dot_product_attention
    real_cheap = attention_module.attention_with_cheap_dropout

    def sdpa(*args, **kwargs):
        calls.append(('sdpa', kwargs.get('dropout_p', 0.0)))
        return real_sdpa(*args, **kwargs)

    def cheap(q, k, v, p):
        calls.append(('byte_mask', p))
        return real_cheap(q, k, v, p)

    monkeypatch.setattr(attention_module.F, 'scaled_dot_product_attention',
                        sdpa)
    monkeypatch.setattr(attention_module, 'attention_with_cheap_dropout',
                        cheap)
    assert uses_byte_mask(torch.device('cpu'))
    assert not uses_byte_mask(torch.device('cuda'))
    assert not uses_byte_mask('meta')
    attn = MultiHeadSelfAttention(16, 4, attn_drop=0.1).train()
    attn(torch.randn(2, 5, 16))
    assert calls == [('byte_mask', 0.1)]
    calls.clear()
    attn.eval()(torch.randn(2, 5, 16))
    assert calls == [('sdpa', 0.0)]
    calls.clear()
    attn = attn.to('meta').train()
    out = attn(torch.empty(2, 5, 16, device='meta'))
    assert out.shape == (2, 5, 16) and out.device.type == 'meta'
    assert calls == [('sdpa', 0.1)]


def test_dropout_module_uses_f_dropout_off_cpu(monkeypatch):
    calls = []
    real = F.dropout

    def spy(x, p, training=True, inplace=False):
        calls.append(x.device.type)
        return real(x, p, training, inplace)

    monkeypatch.setattr(F, 'dropout', spy)
    drop = Dropout(0.1).train()
    drop(torch.randn(4, 8))
    assert calls == []
    drop(torch.empty(4, 8, device='meta'))
    assert calls == ['meta']


@pytest.mark.parametrize('anchor', ['centre', 'first'])
@pytest.mark.parametrize('stride', [3, 1])
def test_strided_conv_as_matrix_product_equals_conv1d(anchor, stride):
    """The channels-last strided convolution of the decoder against
    float64 numpy, summed frame by frame from the conv definition."""
    from mpm.models.decoders.strided_transformer import \
        StridedTransformerLayer
    torch.manual_seed(0)
    layer = StridedTransformerLayer(8, 2, 6, stride=stride, anchor=anchor)
    y = torch.randn(2, 9, 6)
    got = layer.strided_conv(y).detach().numpy()
    w = layer.conv.weight.detach().double().numpy()  # (C, H, k)
    b = layer.conv.bias.detach().double().numpy()
    pad = layer.conv.padding[0]
    yp = np.pad(y.double().numpy(), ((0, 0), (pad, pad), (0, 0)))
    out_len = (9 + 2 * pad - 3) // stride + 1
    expected = np.stack([
        np.einsum('bkh,chk->bc', yp[:, t * stride:t * stride + 3], w) + b
        for t in range(out_len)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
