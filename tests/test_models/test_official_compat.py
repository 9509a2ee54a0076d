"""Official P-STMO / MPM numerics: the norm, compat options, golden outputs.

The golden fixture holds a P-STMO STMO model (C=64, H=128, L=2, F=27, J=17,
random weights) with the outputs the official code computed for ``input``.
"""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.models.algorithms.pose_lifter import COMPAT_OPTIONS, apply_compat
from mpm.models.converters.official import (build_official_lifter,
                                            convert_official_state_dict,
                                            official_model_config)
from mpm.models.layers import StdNorm, TransformerLayer, build_norm
from mpm.registry import MODELS

FIXTURE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'fixtures', 'official_pstmo_stmo_27f_golden.npz')

# OFFICIAL_CHECKPOINTS.md: P-STMO prefix -> MPM prefix.
PSTMO_TO_MPM = [
    ('encoder.fc_1.', 'encoder2d.fc_1.'),
    ('encoder.bn_1.', 'encoder2d.bn_1.'),
    ('encoder.layers.', 'shared_layers_spatial.layers.'),
    ('encoder.fc_2.', 'shared_layers_spatial.fc_2.'),
    ('Transformer.', 'shared_layers_temporal.'),
]


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny tensors: one thread avoids spin-waiting on a loaded machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def golden():
    data = np.load(FIXTURE)
    sd = {k[3:]: torch.from_numpy(data[k]) for k in data.files
          if k.startswith('sd/')}
    return sd, {k: data[k] for k in ('input', 'output_0', 'output_1')}


def to_mpm_names(sd):
    out = {}
    for key, value in sd.items():
        for old, new in PSTMO_TO_MPM:
            if key.startswith(old):
                key = new + key[len(old):]
                break
        out[key] = value
    return out


def official_layout_outputs(model, official_input):
    """Run mpm's model on the official input layout, return official layout.

    Official input (B, 2, F, J, 1): channel = coordinate. Official outputs
    (B, 3, T, J, 1). Written out here with einsum-free indexing so the test
    does not rely on the library's layout helpers.
    """
    x = torch.from_numpy(official_input)
    B, _, F, J, _ = x.shape
    ours = torch.empty(B, F, J, 2)
    for c in range(2):
        ours[..., c] = x[:, c, :, :, 0]
    with torch.no_grad():
        final, seq = model(ours, mode='tensor')
    outs = []
    for y in (final, seq):
        o = torch.empty(y.shape[0], 3, y.shape[1], J, 1)
        for c in range(3):
            o[:, c, :, :, 0] = y[..., c]
        outs.append(o.numpy())
    return outs


# ---------------------------------------------------------------------------
# The official norm
# ---------------------------------------------------------------------------
def test_std_norm_matches_float64_reference():
    torch.manual_seed(0)
    norm = StdNorm(6)
    with torch.no_grad():
        norm.weight.copy_(torch.linspace(0.5, 2.0, 6))
        norm.bias.copy_(torch.linspace(-1.0, 1.0, 6))
    x = torch.randn(3, 4, 6) * 3 + 1
    xd = x.double().numpy()
    mean = xd.mean(-1, keepdims=True)
    std = np.sqrt(((xd - mean)**2).sum(-1, keepdims=True) / (6 - 1))
    ref = (np.linspace(0.5, 2.0, 6) * (xd - mean) / (std + 1e-6) +
           np.linspace(-1.0, 1.0, 6))
    np.testing.assert_allclose(norm(x).detach().numpy(), ref, atol=1e-5)
    # A hand-computed row: [1, 3] -> mean 2, unbiased std sqrt(2).
    out = StdNorm(2)(torch.tensor([[1.0, 3.0]]))
    expected = 1 / (np.sqrt(2) + 1e-6)
    np.testing.assert_allclose(out.detach().numpy(), [[-expected, expected]],
                               rtol=1e-6)
    # nn.LayerNorm gives 1 / sqrt(1 + 1e-5) there: the two norms differ.
    ln = torch.nn.LayerNorm(2)(torch.tensor([[1.0, 3.0]]))
    assert abs(ln[0, 1].item() - expected) > 0.2


def test_build_norm_names_and_keys():
    assert isinstance(build_norm('layernorm', 8), torch.nn.LayerNorm)
    assert isinstance(build_norm('official', 8), StdNorm)
    with pytest.raises(ValueError, match="Unknown norm 'batch'.*official"):
        build_norm('batch', 8)
    # Same state-dict keys whichever norm is chosen.
    a = TransformerLayer(16, 2, 32, norm='layernorm').state_dict()
    b = TransformerLayer(16, 2, 32, norm='official').state_dict()
    assert list(a) == list(b)
    assert all(a[k].shape == b[k].shape for k in a)


# ---------------------------------------------------------------------------
# compat option of PoseLifter
# ---------------------------------------------------------------------------
BASE = Config.fromfile('configs/_base_/models/stmo_lifter.py').model


def test_compat_official_options_and_counts():
    cfg = copy.deepcopy(BASE.to_dict())
    default = MODELS.build(cfg)
    official = MODELS.build(dict(cfg, compat='official'))
    n_default = sum(p.numel() for p in default.parameters())
    n_official = sum(p.numel() for p in official.parameters())
    # Defaults unchanged; compat drops the two final norms (2 x 512 at C=256).
    assert n_default == 7_009_382
    assert n_official == 7_009_382 - 2 * 512
    assert isinstance(default.decoder.layers[0].norm1, torch.nn.LayerNorm)
    assert isinstance(official.decoder.layers[0].norm1, StdNorm)
    assert isinstance(official.trunk.temporal.layers[3].norm2, StdNorm)
    assert isinstance(official.trunk.temporal.norm, torch.nn.Identity)
    assert isinstance(official.decoder.norm, torch.nn.Identity)
    assert official.decoder.layers[0].offset == 0  # frame-0 anchoring
    assert official.decoder.layers[0].conv.padding == (1, )
    assert default.decoder.layers[0].offset == 1


def test_apply_compat_overrides_and_errors():
    trunk = dict(type='PoseTrunk', spatial=dict(type='SpatialMLP'),
                 temporal=dict(type='TemporalTransformer', norm='layernorm'))
    decoder = dict(type='StridedTransformerDecoder', anchor='centre')
    t2, d2 = apply_compat(trunk, decoder, 'official')
    assert t2['temporal']['norm'] == 'official'
    assert d2['anchor'] == 'first' and d2['final_norm'] is False
    assert trunk['temporal']['norm'] == 'layernorm'  # inputs not modified
    assert apply_compat(trunk, decoder, None) == (trunk, decoder)
    assert set(COMPAT_OPTIONS) == {'official'}
    with pytest.raises(ValueError, match="Unknown compat 'offical'"):
        apply_compat(trunk, decoder, 'offical')
    with pytest.raises(ValueError, match="needs a trunk config with a "
                       "'temporal' part"):
        apply_compat(dict(type='Other'), decoder, 'official')


# ---------------------------------------------------------------------------
# Golden outputs of the official implementation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('variant', ['pstmo', 'mpm', 'pstmo-module',
                                     'mpm-module'])
def test_golden_outputs_reproduced(golden, variant):
    sd, arrays = golden
    fmt = variant.split('-')[0]
    if fmt == 'mpm':
        sd = to_mpm_names(sd)
    if variant.endswith('module'):
        sd = {'module.' + k: v for k, v in sd.items()}
    converted = convert_official_state_dict(sd, fmt)
    spec = converted.spec
    assert (spec.num_joints, spec.num_frames, spec.embed_dim,
            spec.trunk_ffn_dim, spec.trunk_depth, spec.strides) == \
        (17, 27, 64, 128, 2, (3, 3, 3))
    model = build_official_lifter(spec, converted.state_dict)
    assert not model.training
    out0, out1 = official_layout_outputs(model, arrays['input'])
    assert out0.shape == (2, 3, 1, 17, 1) and out1.shape == (2, 3, 27, 17, 1)
    np.testing.assert_allclose(out0, arrays['output_0'], atol=1e-5, rtol=0)
    np.testing.assert_allclose(out1, arrays['output_1'], atol=1e-5, rtol=0)


@pytest.mark.parametrize('change', [
    dict(decoder=dict(norm='layernorm')),
    dict(temporal=dict(norm='layernorm')),
    dict(decoder=dict(anchor='centre')),
])
def test_each_official_option_is_needed(golden, change, monkeypatch):
    """Undoing any one compat option breaks the golden outputs."""
    sd, arrays = golden
    converted = convert_official_state_dict(sd, 'pstmo')
    options = copy.deepcopy(COMPAT_OPTIONS['official'])
    for part, values in change.items():
        options[part].update(values)
    monkeypatch.setitem(COMPAT_OPTIONS, 'official', options)
    model = MODELS.build(official_model_config(converted.spec))
    model.load_state_dict(converted.state_dict, strict=True)
    model.eval()
    out0, out1 = official_layout_outputs(model, arrays['input'])
    err = max(np.abs(out0 - arrays['output_0']).max(),
              np.abs(out1 - arrays['output_1']).max())
    assert err > 1e-3
