"""Publishing: stripped checkpoints that load with weights_only=True."""
import hashlib
import os.path as osp
import re
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mpm.engine.checkpoint import save_published, strip_checkpoint
from mpm.engine.checkpoint_integrity import PAYLOAD_SHA256_KEY, payload_sha256

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'model_converters', 'publish_model.py')


def load_script():
    import importlib.util
    spec = importlib.util.spec_from_file_location('publish_model', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Opaque:
    """A non-plain object that must not survive publishing."""


def training_checkpoint():
    """What an MMEngine training checkpoint holds, with awkward values."""
    big = torch.arange(20.).reshape(4, 5)
    state = OrderedDict()
    state['encoder.weight'] = big.t()  # non-contiguous (5, 4)
    state['encoder.bias'] = big[1, :2]  # view into a 20-element storage
    state['head.scale'] = torch.tensor(2.5, dtype=torch.float64)
    state['_extra'] = Opaque()
    meta = {
        'epoch': np.int64(80),
        'iter': 1200,
        'lr': np.float32(0.5),
        'best': True,
        'cfg': "model = dict(type='PoseLifter')",
        'flip_indices': np.array([0, 4, 5, 6, 1, 2, 3]),
        'size': (243, 17),
        'dataset_meta': {
            'joints': ['Hip', 'RHip'],
            'nested': Opaque()
        },
        'callback': Opaque(),
        'none': None,
    }
    buffer = HistoryBuffer()
    buffer.update(1.0)
    return {
        'meta': meta,
        'state_dict': state,
        'optimizer': {
            'state': {},
            'param_groups': [{
                'lr': 0.1
            }]
        },
        'message_hub': {
            'log_scalars': {
                'train/loss': buffer
            }
        },
        'param_schedulers': [{
            'last_epoch': 3
        }],
    }


EXPECTED_META = {
    'epoch': 80,
    'iter': 1200,
    'lr': 0.5,
    'best': True,
    'cfg': "model = dict(type='PoseLifter')",
    'flip_indices': [0, 4, 5, 6, 1, 2, 3],
    'size': [243, 17],
    'dataset_meta': {
        'joints': ['Hip', 'RHip']
    },
    'none': None,
}


def check_published(path):
    """The published file loads with plain weights_only=True, holds the
    expected meta and tensors, and its recorded payload sha256 matches."""
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    meta = dict(ckpt['meta'])
    assert payload_sha256(ckpt) == meta.pop(PAYLOAD_SHA256_KEY)
    assert meta == EXPECTED_META
    assert type(ckpt['meta']['epoch']) is int
    assert type(ckpt['meta']['lr']) is float
    state = ckpt['state_dict']
    assert list(state) == ['encoder.weight', 'encoder.bias', 'head.scale']
    expected_w = np.arange(20.).reshape(4, 5).T
    np.testing.assert_array_equal(state['encoder.weight'].numpy(), expected_w)
    np.testing.assert_array_equal(state['encoder.bias'].numpy(), [5., 6.])
    assert state['head.scale'].dtype == torch.float64
    assert state['head.scale'].item() == 2.5
    for tensor in state.values():
        assert tensor.is_contiguous()
        assert tensor.untyped_storage().nbytes() == \
            tensor.numel() * tensor.element_size()
    return ckpt


def test_strip_checkpoint_keeps_meta_and_tensors():
    ckpt = training_checkpoint()
    stripped = strip_checkpoint(ckpt)
    assert set(stripped) == {'meta', 'state_dict'}
    assert stripped['meta'] == EXPECTED_META
    # The input is not modified and outputs do not share memory with it.
    assert ckpt['state_dict']['encoder.bias'].data_ptr() != \
        stripped['state_dict']['encoder.bias'].data_ptr()
    assert 'optimizer' in ckpt


def test_strip_bare_state_dict_and_errors():
    stripped = strip_checkpoint({'w': torch.ones(2)})
    assert stripped['meta'] == {}
    assert torch.equal(stripped['state_dict']['w'], torch.ones(2))
    with pytest.raises(KeyError, match='state_dict'):
        strip_checkpoint({'optimizer': {}, 'w': torch.ones(1)})
    with pytest.raises(TypeError):
        strip_checkpoint([torch.ones(1)])


def test_save_published_hash_name(tmp_path):
    out = save_published(training_checkpoint(), tmp_path / 'model.pth')
    match = re.fullmatch(r'model-([0-9a-f]{8})\.pth', osp.basename(out))
    assert match and osp.dirname(out) == str(tmp_path)
    with open(out, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == match.group(1)
    check_published(out)
    assert not (tmp_path / 'model.pth').exists()
    assert [p.name for p in tmp_path.iterdir()] == [osp.basename(out)]


def test_save_published_no_hash(tmp_path):
    out = save_published(training_checkpoint(),
                         tmp_path / 'sub' / 'm.pth',
                         add_hash=False)
    assert out == str(tmp_path / 'sub' / 'm.pth')
    check_published(out)


def test_cli_loads_training_checkpoints_anywhere(tmp_path, monkeypatch,
                                                capsys):
    """A training checkpoint (message hub, numpy objects) publishes from any
    folder without --trust-checkpoint; one needing other globals is refused
    wherever it lies (also under ./work_dirs/) unless the flag is given."""
    publish = load_script()
    monkeypatch.chdir(tmp_path)
    ckpt = training_checkpoint()
    for entries, key in ((ckpt['meta'], 'callback'),
                         (ckpt['meta']['dataset_meta'], 'nested'),
                         (ckpt['state_dict'], '_extra')):
        del entries[key]  # the Opaque objects: other code's classes
    outside = tmp_path / 'downloads' / 'epoch_80.pth'
    outside.parent.mkdir()
    torch.save(ckpt, outside)

    final = publish.main([str(outside), 'release/model.pth'])
    assert capsys.readouterr().out.strip() == final
    assert re.fullmatch(r'model-[0-9a-f]{8}\.pth', osp.basename(final))
    check_published(final)

    ckpt = training_checkpoint()
    inside = tmp_path / 'work_dirs' / 'exp' / 'epoch_80.pth'
    inside.parent.mkdir(parents=True)
    torch.save(ckpt, inside)
    with pytest.raises(SystemExit, match='Refusing to load') as info:
        publish.main([str(inside), 'release/other.pth'])
    assert 'test_publish_model.Opaque' in str(info.value)
    assert not (tmp_path / 'release' / 'other.pth').exists()

    final = publish.main(
        [str(inside), 'release/other.pth', '--trust-checkpoint', '--no-hash'])
    assert final == str(tmp_path / 'release' / 'other.pth')
    check_published(final)

    with pytest.raises(SystemExit, match='does not exist'):
        publish.main(['missing.pth', 'x.pth'])


def test_cli_runs_as_script(tmp_path):
    src = tmp_path / 'ckpt.pth'
    torch.save({'state_dict': {'w': torch.ones(3)}, 'meta': {'epoch': 1}}, src)
    proc = subprocess.run(
        [sys.executable, SCRIPT,
         str(src), str(tmp_path / 'pub.pth')],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            'PYTHONPATH': REPO,
            'PATH': '/usr/bin:/bin'
        })
    assert proc.returncode == 0, proc.stderr
    final = proc.stdout.strip().splitlines()[-1]
    assert osp.dirname(final) == str(tmp_path)
    ckpt = torch.load(final, weights_only=True)
    assert ckpt['meta'] == {'epoch': 1,
                            PAYLOAD_SHA256_KEY: payload_sha256(ckpt)}
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(3))
