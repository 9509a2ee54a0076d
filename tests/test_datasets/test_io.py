"""Tests of mpm.datasets.io.load_npz_dict: safe reading of pickled npz."""
import io
import os
import pickle
import warnings
import zipfile

import numpy as np
import pytest

from mpm.datasets.io import load_npz_dict

HINT = 'run `python tools/dataset_converters/make_synthetic_h36m.py`'


def test_dict_round_trip(tmp_path):
    data = {
        'S1': {'Walking 1': np.arange(12, dtype=np.float32).reshape(2, 2, 3),
               'Eating': [np.ones((3, 17, 2)), np.zeros((1, 17, 2))]},
        'meta': {'layout_name': 'h36m', 'num_joints': 17,
                 'keypoints_symmetry': [[4, 5], [1, 2]], 'fps': 50.0,
                 'scale': np.float64(2.5), 'count': np.int64(7),
                 'pair': (1, 'a'), 'flag': True, 'none': None,
                 'c': 1 + 2j, 'raw': b'\x00\xff'},
    }
    path = tmp_path / 'd.npz'
    np.savez_compressed(path, positions_3d=data)
    out = load_npz_dict(path, 'positions_3d', 'test poses')
    assert isinstance(out, dict) and set(out) == {'S1', 'meta'}
    np.testing.assert_array_equal(out['S1']['Walking 1'],
                                  data['S1']['Walking 1'])
    assert out['S1']['Walking 1'].dtype == np.float32
    assert len(out['S1']['Eating']) == 2
    np.testing.assert_array_equal(out['S1']['Eating'][0], np.ones((3, 17, 2)))
    meta = out['meta']
    assert meta['scale'] == 2.5 and isinstance(meta['scale'], np.float64)
    assert meta['count'] == 7 and meta['keypoints_symmetry'] == [[4, 5],
                                                                 [1, 2]]
    assert meta['pair'] == (1, 'a') and meta['flag'] is True
    assert meta['none'] is None and meta['c'] == 1 + 2j
    assert meta['raw'] == b'\x00\xff'


def test_plain_array_loads_without_pickle(tmp_path):
    path = tmp_path / 'a.npz'
    np.savez(path, a=np.arange(6, dtype=np.int16).reshape(2, 3))
    out = load_npz_dict(path, 'a')
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, [[0, 1, 2], [3, 4, 5]])


def test_object_array_that_is_not_0d_is_returned(tmp_path):
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = np.ones(3), 'x'
    path = tmp_path / 'o.npz'
    np.savez(path, o=arr)
    out = load_npz_dict(path, 'o')
    assert out.shape == (2, ) and out[1] == 'x'
    np.testing.assert_array_equal(out[0], np.ones(3))


def _legacy_npz(path, key, obj):
    """An npz whose pickle uses numpy 1.x names (numpy.core.multiarray) and
    pickle protocol 2 (bytes stored via _codecs.encode)."""
    arr = np.empty((), dtype=object)
    arr[()] = obj
    payload = pickle.dumps(arr, protocol=2)
    payload = payload.replace(b'cnumpy._core.', b'cnumpy.core.')
    assert b'numpy.core.multiarray' in payload
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, np.lib.format.header_data_from_array_1_0(arr))
    buf.write(payload)
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr(f'{key}.npy', buf.getvalue())


def test_legacy_numpy_core_pickle(tmp_path):
    path = tmp_path / 'legacy.npz'
    data = {'S1': {'Walking': np.arange(6.0).reshape(1, 2, 3)}}
    _legacy_npz(path, 'positions_3d', data)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = load_npz_dict(path, 'positions_3d')
    np.testing.assert_array_equal(out['S1']['Walking'], data['S1']['Walking'])


def test_missing_file_names_file_and_hint(tmp_path):
    path = tmp_path / 'nope' / 'data_3d_h36m.npz'
    with pytest.raises(FileNotFoundError) as err:
        load_npz_dict(path, 'positions_3d', 'Human3.6M 3D poses', hint=HINT)
    msg = str(err.value)
    assert str(path) in msg and 'Human3.6M 3D poses' in msg
    assert 'make_synthetic_h36m.py' in msg


def test_not_a_zip_is_value_error(tmp_path):
    path = tmp_path / 'bad.npz'
    path.write_bytes(b'this is not a zip file at all')
    with pytest.raises(ValueError, match='bad.npz'):
        load_npz_dict(path, 'positions_3d')


def test_truncated_npz_is_value_error(tmp_path):
    good = tmp_path / 'good.npz'
    np.savez_compressed(good, positions_3d={'S1': np.ones((50, 32, 3))})
    path = tmp_path / 'cut.npz'
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match='cut.npz'):
        load_npz_dict(path, 'positions_3d')


def test_garbage_member_is_value_error(tmp_path):
    path = tmp_path / 'garbage.npz'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('positions_3d.npy', b'\x93NUMPYgarbage')
    with pytest.raises(ValueError, match='garbage.npz'):
        load_npz_dict(path, 'positions_3d')


def test_missing_key_lists_available_keys(tmp_path):
    path = tmp_path / 'k.npz'
    np.savez(path, positions_2d={'S1': {}}, metadata={'num_joints': 17})
    with pytest.raises(KeyError) as err:
        load_npz_dict(path, 'positions_3d', 'Human3.6M 3D poses')
    msg = str(err.value)
    assert "'positions_3d'" in msg and str(path) in msg
    assert "['metadata', 'positions_2d']" in msg


class _OpenFile:
    """Unpickling this would create ``path`` (builtins.open)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


class _MakeDir:
    """Unpickling this would create a directory (os.mkdir)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path, )


class _NumpySave:
    """Unpickling this would write a file through a numpy function."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return np.save, (self.path, np.zeros(1))


@pytest.mark.parametrize('payload_cls, forbidden', [
    (_OpenFile, 'open'),
    (_MakeDir, 'mkdir'),
    (_NumpySave, 'numpy.save'),
])
def test_forbidden_global_is_refused_and_never_runs(tmp_path, payload_cls,
                                                    forbidden):
    victim = tmp_path / 'pwned'
    target = str(victim) + ('.npy' if payload_cls is _NumpySave else '')
    path = tmp_path / 'evil.npz'
    # Nested inside the dict, as an attacker would hide it.
    np.savez(path, positions_3d={'S1': {'Walking': payload_cls(str(victim))}})
    assert not os.path.exists(target)
    with pytest.raises(pickle.UnpicklingError) as err:
        load_npz_dict(path, 'positions_3d')
    msg = str(err.value)
    assert 'forbidden global' in msg and forbidden in msg
    assert 'evil.npz' in msg
    assert not os.path.exists(target)
    assert not os.path.exists(str(victim))


def test_forbidden_global_at_top_level(tmp_path):
    victim = tmp_path / 'pwned_top'
    arr = np.empty((), dtype=object)
    arr[()] = _OpenFile(str(victim))
    path = tmp_path / 'evil_top.npz'
    np.savez(path, positions_2d=arr)
    with pytest.raises(pickle.UnpicklingError,
                       match=r"forbidden global 'io.open'"):
        load_npz_dict(path, 'positions_2d')
    assert not victim.exists()


def test_getattr_trick_is_refused(tmp_path):
    """``builtins.getattr`` would let a pickle reach any attribute."""
    path = tmp_path / 'ga.npz'
    # Hand-written pickle: GLOBAL builtins.getattr, then GLOBAL os.system.
    payload = b'\x80\x02cbuiltins\ngetattr\ncos\nsystem\n'
    arr_header = io.BytesIO()
    np.lib.format.write_array_header_1_0(arr_header, {
        'descr': '|O', 'fortran_order': False, 'shape': ()})
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('positions_3d.npy', arr_header.getvalue() + payload)
    with pytest.raises(pickle.UnpicklingError, match='builtins.getattr'):
        load_npz_dict(path, 'positions_3d')
