"""Lifter components against hand-computed references."""
import math

import numpy as np
import pytest
import torch

from mpm.models.decoders import StridedTransformerDecoder, StridedTransformerLayer
from mpm.models.layers import MultiHeadSelfAttention
from mpm.models.losses import MPJPELoss
from mpm.models.algorithms.pose_lifter import zero_root
from mpm.utils import H36M_SKELETON, flip_keypoints


def reference_attention(x, qkv_w, qkv_b, proj_w, proj_b, heads):
    """float64 numpy multi-head attention written from the formula."""
    x = x.astype(np.float64)
    B, T, C = x.shape
    qkv = x @ qkv_w.T + qkv_b
    q, k, v = np.split(qkv, 3, axis=-1)
    c = C // heads
    out = np.zeros_like(x)
    for h in range(heads):
        sl = slice(h * c, (h + 1) * c)
        scores = q[..., sl] @ np.swapaxes(k[..., sl], 1, 2) / math.sqrt(c)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        out[..., sl] = probs @ v[..., sl]
    return out @ proj_w.T + proj_b


def test_attention_matches_float64_reference():
    torch.manual_seed(0)
    attn = MultiHeadSelfAttention(16, num_heads=4).eval()
    x = torch.randn(2, 7, 16)
    got = attn(x).detach().numpy()
    ref = reference_attention(x.numpy(), attn.qkv.weight.detach().numpy(),
                              attn.qkv.bias.detach().numpy(),
                              attn.proj.weight.detach().numpy(),
                              attn.proj.bias.detach().numpy(), 4)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def _silence_branches(module):
    """Zero every weight so that only residual paths carry signal."""
    for name, p in module.named_parameters():
        if 'norm' not in name and '.bn.' not in name:
            torch.nn.init.zeros_(p)


@pytest.mark.parametrize('anchor,offset', [('first', 0), ('centre', 1)])
def test_strided_layer_anchoring(anchor, offset):
    layer = StridedTransformerLayer(8, 2, 16, stride=3, dropout=0.0,
                                    anchor=anchor).eval()
    _silence_branches(layer)
    x = torch.arange(2 * 9 * 8, dtype=torch.float32).view(2, 9, 8)
    out = layer(x)
    assert out.shape == (2, 3, 8)
    torch.testing.assert_close(out, x[:, [offset, offset + 3, offset + 6]])


@pytest.mark.parametrize('anchor,frame', [('first', 0), ('centre', 121)])
def test_decoder_final_token_is_anchor_frame(anchor, frame):
    """Through 5 strided layers the surviving token is frame 0 or 121 of 243."""
    dec = StridedTransformerDecoder(243, [3] * 5, embed_dim=8, ffn_dim=16,
                                    num_heads=2, dropout=0.0, anchor=anchor,
                                    final_norm=False,
                                    head=dict(type='PoseRegressionHead',
                                              in_channels=8, num_joints=1,
                                              out_channels=8)).eval()
    _silence_branches(dec)
    with torch.no_grad():
        dec.head.fc.weight.copy_(torch.eye(8))
    x = torch.randn(1, 243, 8)
    out = dec(x)  # BN in eval with default stats is identity up to eps
    expected = x[:, frame] / math.sqrt(1 + 1e-5)
    torch.testing.assert_close(out.view(1, 8), expected, atol=1e-5, rtol=1e-5)


def test_decoder_rejects_bad_strides():
    with pytest.raises(ValueError, match='reduce 81 frames to 3'):
        StridedTransformerDecoder(81, [3, 3, 3])
    with pytest.raises(ValueError, match='every stride must divide'):
        StridedTransformerDecoder(80, [3, 3, 3, 3])


def test_mpjpe_loss_hand_computed():
    pred = torch.zeros(1, 1, 2, 3)
    target = torch.tensor([[[[3.0, 4.0, 0.0], [0.0, 0.0, 1.0]]]])
    assert MPJPELoss()(pred, target).item() == pytest.approx(3.0)
    weight = torch.tensor([[[1.0, 0.0]]])
    assert MPJPELoss(2.0)(pred, target, weight).item() == pytest.approx(10.0)
    with pytest.raises(ValueError, match='differ in shape'):
        MPJPELoss()(pred, target[..., :2])


def test_zero_root_keeps_other_joints():
    pose = torch.arange(12, dtype=torch.float32).view(1, 4, 3) + 1
    out = zero_root(pose)
    assert torch.all(out[:, 0] == 0)
    torch.testing.assert_close(out[:, 1:], pose[:, 1:])


def test_flip_keypoints_by_hand():
    x = torch.zeros(17, 3)
    x[1] = torch.tensor([0.1, 0.2, 0.3])  # right hip
    x[11] = torch.tensor([-0.5, 1.0, 2.0])  # left shoulder
    out = flip_keypoints(x, H36M_SKELETON.flip_permutation)
    torch.testing.assert_close(out[4], torch.tensor([-0.1, 0.2, 0.3]))
    torch.testing.assert_close(out[14], torch.tensor([0.5, 1.0, 2.0]))
    assert torch.all(out[1] == 0) and torch.all(out[11] == 0)
    torch.testing.assert_close(
        flip_keypoints(out, H36M_SKELETON.flip_permutation), x)
