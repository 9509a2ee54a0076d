"""tools/model_converters/convert_official.py, the conversion library,
``init_lifter`` and ``tools/test.py`` on a converted checkpoint.

Official state dicts of many sizes are written out here from the key list
of OFFICIAL_CHECKPOINTS.md (not from the converter's own key list).
"""
import importlib.util
import os.path as osp
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mpm.apis import init_lifter
from mpm.engine import (UntrustedCheckpointError, configure_trust,
                        get_trust_policy)
from mpm.models.converters.official import (OfficialCheckpointError,
                                            build_official_lifter,
                                            convert_official_state_dict)
from mpm.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIXTURE = osp.join(REPO, 'tests', 'fixtures',
                   'official_pstmo_stmo_27f_golden.npz')
PSTMO_TO_MPM = [
    ('encoder.fc_1.', 'encoder2d.fc_1.'),
    ('encoder.bn_1.', 'encoder2d.bn_1.'),
    ('encoder.layers.', 'shared_layers_spatial.layers.'),
    ('encoder.fc_2.', 'shared_layers_spatial.fc_2.'),
    ('Transformer.', 'shared_layers_temporal.'),
]


def load_tool(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONVERT = load_tool(
    'convert_official',
    osp.join(REPO, 'tools', 'model_converters', 'convert_official.py'))


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny tensors: one thread avoids spin-waiting on a loaded machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def official_state_dict(J=17, C2=32, blocks=1, C=16, F=27, L=2, H=24,
                        Hd=None, dec_layers=None, seed=0, fmt='pstmo'):
    """Random official stage II weights with the documented keys/shapes."""
    g = torch.Generator().manual_seed(seed)
    Hd = H if Hd is None else Hd
    dec_layers = round(np.log(F) / np.log(3)) if dec_layers is None \
        else dec_layers
    sd = OrderedDict()

    def r(*shape):
        return torch.randn(*shape, generator=g)

    def conv(name, out, inp, k=1):
        sd[name + '.weight'] = r(out, inp, k)
        sd[name + '.bias'] = r(out)

    def linear(name, out, inp):
        sd[name + '.weight'] = r(out, inp)
        sd[name + '.bias'] = r(out)

    def bn(name, n):
        sd[name + '.weight'] = r(n)
        sd[name + '.bias'] = r(n)
        sd[name + '.running_mean'] = r(n)
        sd[name + '.running_var'] = r(n).abs() + 0.5
        sd[name + '.num_batches_tracked'] = torch.tensor(7)

    def norm(name):
        sd[name + '.a_2'] = r(C)
        sd[name + '.b_2'] = r(C)

    def layer(pre, strided):
        for j in range(4):
            linear(f'{pre}.self_attn.linears.{j}', C, C)
        if strided:
            conv(f'{pre}.feed_forward.w_1', Hd, C)
            conv(f'{pre}.feed_forward.w_2', C, Hd, 3)
        else:
            linear(f'{pre}.feed_forward.w_1', H, C)
            linear(f'{pre}.feed_forward.w_2', C, H)
        norm(f'{pre}.sublayer.0.norm')
        norm(f'{pre}.sublayer.1.norm')

    conv('encoder.fc_1', C2, 2 * J)
    bn('encoder.bn_1', C2)
    for i in range(blocks):
        conv(f'encoder.layers.{i}.w1', C2, C2)
        bn(f'encoder.layers.{i}.batch_norm1', C2)
        conv(f'encoder.layers.{i}.w2', C2, C2)
        bn(f'encoder.layers.{i}.batch_norm2', C2)
    conv('encoder.fc_2', C, C2)
    sd['Transformer.pos_embedding'] = r(1, F, C)
    for i in range(L):
        layer(f'Transformer.model.layers.{i}', False)
    norm('Transformer.model.norm')
    for k in (1, 2, 3):
        sd[f'Transformer_reduce.model.pos_embedding_{k}'] = r(1, F, C)
    for i in range(dec_layers):
        layer(f'Transformer_reduce.model.layers.{i}', True)
    norm('Transformer_reduce.model.norm')
    for head in ('fcn', 'fcn_1'):
        bn(f'{head}.0', C)
        conv(f'{head}.1', 3 * J, C)
    if fmt == 'mpm':
        sd = OrderedDict((rename_mpm(k), v) for k, v in sd.items())
    return sd


def rename_mpm(key):
    for old, new in PSTMO_TO_MPM:
        if key.startswith(old):
            return new + key[len(old):]
    return key


# ---------------------------------------------------------------------------
# Sizes are read from the shapes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('kwargs', [
    dict(F=27, L=1, C=16, H=24),
    dict(F=81, L=3, C=24, H=40, C2=48, Hd=32, blocks=2),
    dict(F=243, L=4, C=16, H=32, J=16),
    dict(F=243, L=5, C=32, H=16, blocks=3, fmt='mpm'),
    dict(F=81, L=6, C=16, H=16, fmt='mpm'),
])
def test_sizes_inferred_and_strict_load(kwargs):
    sd = official_state_dict(**kwargs)
    fmt = kwargs.get('fmt', 'pstmo')
    converted = convert_official_state_dict(sd, fmt)
    spec = converted.spec
    F = kwargs['F']
    n_dec = {27: 3, 81: 4, 243: 5}[F]
    assert spec.num_frames == F
    assert spec.trunk_depth == kwargs['L']
    assert spec.embed_dim == kwargs['C']
    assert spec.trunk_ffn_dim == kwargs['H']
    assert spec.decoder_ffn_dim == kwargs.get('Hd', kwargs['H'])
    assert spec.encoder_dim == kwargs.get('C2', 32)
    assert spec.num_blocks == kwargs.get('blocks', 1)
    assert spec.num_joints == kwargs.get('J', 17)
    assert spec.strides == (3, ) * n_dec
    model = build_official_lifter(spec)  # fresh weights
    result = model.load_state_dict(converted.state_dict, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    # Every official tensor is used except the two never-applied norms.
    n_official = sum(v.numel() for v in sd.values())
    n_ours = sum(v.numel() for v in converted.state_dict.values())
    assert n_official - n_ours == 4 * kwargs['C']
    assert sorted(converted.dropped) == sorted(
        rename_mpm(k) if fmt == 'mpm' else k for k in [
            'Transformer.model.norm.a_2', 'Transformer.model.norm.b_2',
            'Transformer_reduce.model.norm.a_2',
            'Transformer_reduce.model.norm.b_2'
        ])
    J, C = spec.num_joints, spec.embed_dim
    final, seq = model(torch.randn(2, F, J, 2), mode='tensor')
    assert final.shape == (2, 1, J, 3) and seq.shape == (2, F, J, 3)


def test_released_size_parameter_count():
    """C=256, C2=512, H=512, L=4, 243 frames: the P-STMO release."""
    sd = official_state_dict(C2=512, C=256, F=243, L=4, H=512)
    converted = convert_official_state_dict(sd, 'pstmo')
    model = build_official_lifter(converted.spec, converted.state_dict)
    # mpm's 7,009,382 (PAPER_FACTS) less its two final norms (2 x 512).
    assert sum(p.numel() for p in model.parameters()) == 7_009_382 - 1024


def test_values_are_mapped():
    sd = official_state_dict(F=27, L=2, C=16, H=24, seed=3)
    out = convert_official_state_dict(sd, 'pstmo').state_dict
    pre = 'Transformer.model.layers.1.self_attn.linears.'
    qkv = out['trunk.temporal.layers.1.attn.qkv.weight']
    assert qkv.shape == (48, 16)
    assert torch.equal(qkv[:16], sd[pre + '0.weight'])
    assert torch.equal(qkv[16:32], sd[pre + '1.weight'])
    assert torch.equal(qkv[32:], sd[pre + '2.weight'])
    assert torch.equal(out['trunk.temporal.layers.1.attn.qkv.bias'][16:32],
                       sd[pre + '1.bias'])
    assert torch.equal(out['trunk.temporal.layers.1.attn.proj.weight'],
                       sd[pre + '3.weight'])
    assert torch.equal(out['encoder.fc.weight'],
                       sd['encoder.fc_1.weight'][:, :, 0])
    assert torch.equal(out['decoder.layers.2.conv.weight'],
                       sd['Transformer_reduce.model.layers.2.feed_forward.'
                          'w_2.weight'])
    assert torch.equal(out['decoder.layers.0.fc1.weight'],
                       sd['Transformer_reduce.model.layers.0.feed_forward.'
                          'w_1.weight'][:, :, 0])
    assert torch.equal(out['decoder.pos_embeds.2'],
                       sd['Transformer_reduce.model.pos_embedding_3'])
    assert torch.equal(out['trunk.temporal.layers.0.norm2.weight'],
                       sd['Transformer.model.layers.0.sublayer.1.norm.a_2'])
    assert torch.equal(out['trunk.spatial.blocks.0.layer2.bn.running_var'],
                       sd['encoder.layers.0.batch_norm2.running_var'])
    assert torch.equal(out['seq_head.fc.weight'],
                       sd['fcn_1.1.weight'][:, :, 0])
    assert torch.equal(out['decoder.head.bn.running_mean'],
                       sd['fcn.0.running_mean'])


def test_explicit_strides_and_missing_step_counters():
    sd = official_state_dict(F=27, dec_layers=2)
    with pytest.raises(OfficialCheckpointError, match='--strides'):
        convert_official_state_dict(sd, 'pstmo')
    sd = OrderedDict((k, v) for k, v in sd.items()
                     if not k.endswith('num_batches_tracked'))
    converted = convert_official_state_dict(sd, 'pstmo', strides=[3, 9])
    assert converted.spec.strides == (3, 9)
    assert 'encoder.bn.num_batches_tracked' in converted.filled
    build_official_lifter(converted.spec, converted.state_dict)


# ---------------------------------------------------------------------------
# Bad files fail with the list of keys
# ---------------------------------------------------------------------------
def test_unknown_and_missing_keys_are_listed():
    sd = official_state_dict(fmt='mpm')
    sd['refine.fc.weight'] = torch.zeros(2)
    sd['shared_layers_temporal.model.layers.0.extra'] = torch.zeros(2)
    del sd['Transformer_reduce.model.layers.1.feed_forward.w_2.bias']
    del sd['shared_layers_spatial.layers.0.batch_norm1.running_var']
    with pytest.raises(OfficialCheckpointError) as info:
        convert_official_state_dict(sd, 'mpm')
    msg = str(info.value)
    assert 'Unknown keys (2)' in msg and 'Missing keys (2)' in msg
    for key in ('refine.fc.weight',
                'shared_layers_temporal.model.layers.0.extra',
                'Transformer_reduce.model.layers.1.feed_forward.w_2.bias',
                'shared_layers_spatial.layers.0.batch_norm1.running_var'):
        assert key in msg


def test_wrong_format_gets_a_hint():
    sd = official_state_dict(fmt='mpm')
    with pytest.raises(OfficialCheckpointError, match='--format mpm'):
        convert_official_state_dict(sd, 'pstmo')
    with pytest.raises(ValueError, match="Unknown official format"):
        convert_official_state_dict(sd, 'stmo')


# ---------------------------------------------------------------------------
# The command line, init_lifter and tools/test.py
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def golden_file(tmp_path_factory):
    data = np.load(FIXTURE)
    sd = OrderedDict(('module.' + k[3:], torch.from_numpy(data[k]))
                     for k in data.files if k.startswith('sd/'))
    path = tmp_path_factory.mktemp('official') / 'PSTMO_golden.pth'
    torch.save(sd, path)
    return str(path), {k: data[k] for k in ('input', 'output_0', 'output_1')}


@pytest.fixture(scope='module')
def converted(golden_file, tmp_path_factory):
    src, arrays = golden_file
    out = tmp_path_factory.mktemp('converted')
    result = CONVERT.main([
        src, '--format', 'pstmo', '--out',
        str(out / 'pstmo_27f.pth'), '--out-config',
        str(out / 'pstmo_27f.py')
    ])
    return result, arrays


def test_cli_writes_safe_checkpoint_and_config(converted):
    result, _ = converted
    ckpt = torch.load(result['checkpoint'], weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    meta = ckpt['meta']
    assert meta['official_format'] == 'pstmo'
    assert meta['converted_from'] == 'PSTMO_golden.pth'
    assert meta['official_spec']['num_frames'] == 27
    assert len(meta['source_sha256']) == 64
    assert 'Transformer.model.norm.a_2' in meta['dropped_keys']
    cfg = Config.fromfile(result['config'])
    assert cfg.model.compat == 'official'
    assert cfg.model.decoder.strides == [3, 3, 3]
    assert cfg.test_dataloader.dataset.seq_len == 27
    assert cfg.test_dataloader.dataset.dilation == 1
    assert cfg.test_dataloader.dataset.type == 'Human36mDataset'
    assert cfg.test_evaluator.type == 'Human36mMetric'


def test_init_lifter_reproduces_golden_outputs(converted):
    result, arrays = converted
    model = init_lifter(result['config'], result['checkpoint'])
    assert not model.training
    x = torch.from_numpy(arrays['input'])[..., 0].permute(0, 2, 3, 1)
    with torch.no_grad():
        final, seq = model(x, mode='tensor')
    assert final.shape == (2, 1, 17, 3) and seq.shape == (2, 27, 17, 3)
    np.testing.assert_allclose(
        final.permute(0, 3, 1, 2).unsqueeze(-1).numpy(), arrays['output_0'],
        atol=1e-5, rtol=0)
    np.testing.assert_allclose(
        seq.permute(0, 3, 1, 2).unsqueeze(-1).numpy(), arrays['output_1'],
        atol=1e-5, rtol=0)


def test_cli_reports_bad_keys(tmp_path, capsys):
    sd = official_state_dict()
    sd['refine.w'] = torch.zeros(1)
    src = tmp_path / 'bad.pth'
    torch.save(sd, src)
    with pytest.raises(SystemExit):
        CONVERT.main([str(src), '--format', 'pstmo', '--out',
                      str(tmp_path / 'x.pth')])
    assert 'refine.w' in capsys.readouterr().err
    assert not (tmp_path / 'x.pth').exists()


class Payload:
    """An object weights_only loading must refuse."""

    def __reduce__(self):
        return (print, ('unpickled!', ))


def test_init_lifter_refuses_pickles_and_raw_official_files(converted,
                                                            golden_file,
                                                            tmp_path):
    result, _ = converted
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': Payload()}, evil)
    with pytest.raises(UntrustedCheckpointError):
        init_lifter(result['config'], str(evil))
    with pytest.raises(ValueError, match='convert_official.py'):
        init_lifter(result['config'], golden_file[0])


def test_tools_test_evaluates_converted_checkpoint(converted, tmp_path):
    """tools/test.py CONFIG CKPT on tiny S9/S11 files in VideoPose3D layout."""
    result, _ = converted
    rng = np.random.default_rng(0)
    pos3d, pos2d = {}, {}
    for subject in ('S9', 'S11'):
        pos3d[subject], pos2d[subject] = {}, {}
        for seq in ('Walking 1', 'Eating'):
            pos3d[subject][seq] = rng.uniform(
                [-1, -1, 0], [1, 1, 2], size=(4, 32, 3)).astype(np.float32)
            pos2d[subject][seq] = [
                rng.uniform(0, 1000, size=(4, 17, 2)).astype(np.float32)
                for _ in range(4)
            ]
    data = tmp_path / 'h36m'
    data.mkdir()
    np.savez_compressed(data / 'data_3d_h36m.npz', positions_3d=pos3d)
    np.savez_compressed(data / 'data_2d_h36m_cpn_ft_h36m_dbb.npz',
                        positions_2d=pos2d,
                        metadata=dict(layout_name='h36m', num_joints=17))
    test_tool = load_tool('mpm_test_tool', osp.join(REPO, 'tools',
                                                    'test.py'))
    policy = get_trust_policy()
    try:
        metrics = test_tool.main([
            result['config'], result['checkpoint'], '--work-dir',
            str(tmp_path / 'work'), '--cfg-options',
            f'test_dataloader.dataset.data_root={data}/',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False'
        ])
    finally:  # tools/test.py sets the process-wide trust policy
        configure_trust(policy.trust_all)
    assert metrics['num_frames'] == 2 * 2 * 4 * 4
    assert np.isfinite(metrics['mpjpe_mm'])
    assert set(k.split('/')[1] for k in metrics
               if k.startswith('mpjpe_mm/')) == {'Walking', 'Eating'}
    # The number comes from the converted weights: recompute it directly.
    model = init_lifter(result['config'], result['checkpoint'])
    init_default_scope('mpm')
    cfg = model.cfg.test_dataloader.dataset.copy()
    cfg.data_root = f'{data}/'
    dataset = DATASETS.build(cfg)
    errors = {}
    for item in dataset:
        x = torch.as_tensor(item['keypoints_2d'])[None].float()
        pred = model.predict_pose(x)[0].numpy()
        gt = np.asarray(item['keypoints_3d'])[item['target_index']]
        err = np.linalg.norm((pred - pred[:1]) - (gt - gt[:1]), axis=-1)
        action = item['meta']['action']
        errors.setdefault(action, []).append(err.mean() * 1000)
    expected = np.mean([np.mean(v) for v in errors.values()])
    assert metrics['mpjpe_mm'] == pytest.approx(expected, rel=1e-4)
