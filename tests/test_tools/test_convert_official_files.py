"""tools/model_converters/convert_official.py writes its files atomically;
the library (mpm.models.converters) maps keys and tensors only."""
import importlib.util
import os
import os.path as osp
from collections import OrderedDict

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.skipif(not osp.isdir('/proc/self/fd'),
                                reason='needs /proc/self/fd (Linux)')

import mpm.models.converters as converters
import mpm.models.converters.official as official

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIXTURE = osp.join(REPO, 'tests', 'fixtures',
                   'official_pstmo_stmo_27f_golden.npz')


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'convert_official_files',
        osp.join(REPO, 'tools', 'model_converters', 'convert_official.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def golden_file(tmp_path):
    data = np.load(FIXTURE)
    sd = OrderedDict((k[3:], torch.from_numpy(data[k]))
                     for k in data.files if k.startswith('sd/'))
    path = tmp_path / 'PSTMO_golden.pth'
    torch.save(sd, path)
    return str(path)


def test_library_does_not_write_files():
    for name in ('render_official_config', 'convert_official_checkpoint',
                 'write_text', 'format_config_value'):
        assert not hasattr(official, name), name
        assert name not in converters.__all__
    # What the tool and the tests use stays.
    for name in ('convert_official_state_dict', 'build_official_lifter',
                 'official_model_config', 'OfficialCheckpointError',
                 'unwrap_state_dict', 'describe_spec'):
        assert hasattr(converters, name), name


def test_a_failed_config_write_keeps_the_old_file(golden_file, tmp_path,
                                                  monkeypatch):
    tool = load_tool()
    config = tmp_path / 'out.py'
    config.write_text('# the previous config\n')

    real_fsync = os.fsync
    failed = []

    def broken_fsync(fd):
        # The disk fills while the config (not the checkpoint) is written.
        if osp.basename(os.readlink(f'/proc/self/fd/{fd}')).startswith(
                '.out.py.'):
            failed.append(fd)
            raise OSError(28, 'No space left on device')
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError):
        tool.convert_official_checkpoint(
            golden_file, 'pstmo', str(tmp_path / 'out.pth'), str(config))
    assert failed, 'the config write was not reached'
    assert (tmp_path / 'out.pth').is_file()
    assert config.read_text() == '# the previous config\n'
    leftovers = [p.name for p in tmp_path.iterdir()
                 if p.name.endswith('.tmp')]
    assert leftovers == []
    monkeypatch.undo()
    result = tool.convert_official_checkpoint(
        golden_file, 'pstmo', str(tmp_path / 'out.pth'), str(config))
    assert result['config'] == str(config)
    assert 'compat' in config.read_text()
