"""MixtureDataset: exact counts, determinism across instances ("ranks"),
normalised items that collate across datasets, logging and input errors."""
import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, default_collate

import mpm.datasets.mixture as mixture_module
from mpm.datasets import MixtureDataset


class Toy(Dataset):
    """Items whose keypoints encode (dataset id, index) for tracing."""

    def __init__(self, n, ident, seq_len=3, joints=17, kind='both',
                 name=None):
        self.n, self.ident, self.kind = n, ident, kind
        self.seq_len, self.joints = seq_len, joints
        if name:
            self.metainfo = dict(dataset_name=name)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        item = dict(target_index=self.seq_len // 2,
                    meta=dict(subject=f'S{self.ident}', camera=i % 4,
                              frame=i, extra=[1, 2]))
        value = np.float32(self.ident * 1000 + i)
        if self.kind in ('both', '2d'):
            item['keypoints_2d'] = np.full((self.seq_len, self.joints, 2),
                                           value)
        if self.kind in ('both', '3d'):
            item['keypoints_3d'] = np.full((self.seq_len, self.joints, 3),
                                           value)
        return item


def trace(ds):
    """(dataset id, index) of every item, read back from the values."""
    out = []
    for i in range(len(ds)):
        item = ds[i]
        kp = item['keypoints_2d'] if item['has_2d'] else item['keypoints_3d']
        v = int(kp.flat[0])
        out.append((v // 1000, v % 1000))
    return out


def test_fractions_give_exact_counts():
    ds = MixtureDataset([Toy(10, 1), Toy(7, 2), Toy(5, 3)],
                        fractions=[0.5, 2.0, 0.0], seed=0)
    assert ds.counts == [5, 14, 0] and len(ds) == 19
    items = trace(ds)
    first = [i for d, i in items if d == 1]
    assert len(first) == 5 and len(set(first)) == 5      # no repeats
    assert first == sorted(first) and max(first) < 10
    second = [i for d, i in items if d == 2]
    assert sorted(second) == sorted(list(range(7)) * 2)  # twice each
    assert not [i for d, _ in items if d == 3]
    # 2.5x: twice everything plus round(0.5 * 6) = 3 distinct extra items
    ds = MixtureDataset([Toy(6, 1)], fractions=[2.5])
    counts = np.bincount([i for _, i in trace(ds)], minlength=6)
    assert len(ds) == 15 and sorted(counts.tolist()) == [2, 2, 2, 3, 3, 3]


def test_num_samples_and_total_samples():
    ds = MixtureDataset([Toy(10, 1), Toy(4, 2)], num_samples=[3, None])
    assert ds.counts == [3, 4]
    # total 20 over lengths 10 and 30 -> proportional: 5 and 15
    ds = MixtureDataset([Toy(10, 1), Toy(30, 2)], total_samples=20)
    assert ds.counts == [5, 15]
    # 10 over three equal sets: 3.33 each -> largest remainder, exact total
    ds = MixtureDataset([Toy(3, 1), Toy(3, 2), Toy(3, 3)], total_samples=10)
    assert sum(ds.counts) == 10 and sorted(ds.counts) == [3, 3, 4]
    # fractions act as weights: 1:2 weighting of equal lengths
    ds = MixtureDataset([Toy(8, 1), Toy(8, 2)], fractions=[1, 2],
                        total_samples=9)
    assert ds.counts == [3, 6]
    # Table E small-like target far above the lengths: repeats, exact
    ds = MixtureDataset([Toy(7, 1), Toy(5, 2)], total_samples=4_170_000)
    assert len(ds) == 4_170_000
    assert ds.counts[0] == round(4_170_000 * 7 / 12)


def test_deterministic_across_instances_and_torch_rng():
    make = lambda: MixtureDataset(  # noqa: E731
        [Toy(50, 1), Toy(40, 2)], fractions=[0.3, 0.45], seed=5)
    torch.manual_seed(0)
    rank0 = trace(make())
    torch.manual_seed(123)
    np.random.seed(99)
    rank1 = trace(make())
    assert rank0 == rank1
    other = trace(MixtureDataset([Toy(50, 1), Toy(40, 2)],
                                 fractions=[0.3, 0.45], seed=6))
    assert other != rank0 and len(other) == len(rank0) == 15 + 18


def test_items_are_normalised_and_collate():
    ds = MixtureDataset([Toy(4, 1, kind='both', name='h36m'),
                         Toy(4, 2, kind='3d'),
                         Toy(4, 3, kind='2d')],
                        names=None, num_samples=[2, 2, 2])
    items = [ds[i] for i in range(len(ds))]
    for item in items:
        assert set(item) == {'keypoints_2d', 'keypoints_3d', 'has_2d',
                             'has_3d', 'target_index', 'meta'}
        assert set(item['meta']) == {'dataset', 'subject', 'action',
                                     'sequence', 'camera', 'frame'}
        assert item['keypoints_2d'].dtype == np.float32
    assert [i['has_2d'] for i in items] == [True] * 2 + [False] * 2 + \
        [True] * 2
    assert [i['has_3d'] for i in items] == [True] * 4 + [False] * 2
    assert not items[2]['keypoints_2d'].any()
    assert not items[4]['keypoints_3d'].any()
    batch = default_collate(items)
    assert batch['keypoints_2d'].shape == (6, 3, 17, 2)
    assert batch['keypoints_3d'].shape == (6, 3, 17, 3)
    assert batch['has_2d'].dtype == torch.bool
    assert batch['meta']['dataset'] == ['h36m'] * 2 + ['toy1'] * 2 + \
        ['toy2'] * 2
    assert batch['meta']['camera'] == [str(i['meta']['camera'])
                                       for i in items]
    assert batch['meta']['action'] == [''] * 6
    assert batch['meta']['frame'].dtype == torch.int64


def test_log_counts(monkeypatch):
    messages = []
    monkeypatch.setattr(mixture_module, 'print_log',
                        lambda msg, logger=None, **kw: messages.append(
                            (msg, logger)))
    MixtureDataset([Toy(10, 1), Toy(4, 2)], fractions=[0.5, 1],
                   names=['a', 'b'])
    text = '\n'.join(m for m, _ in messages)
    assert 'a: 5 samples of 10' in text and 'b: 4 samples of 4' in text
    assert '9 samples in total' in text
    assert {lg for _, lg in messages} == {'current'}


def test_index_errors_and_negative_index():
    ds = MixtureDataset([Toy(3, 1), Toy(2, 2)])
    assert ds.source_index(-1) == (1, 1)
    with pytest.raises(IndexError):
        ds[5]


@pytest.mark.parametrize('kwargs, match', [
    (dict(fractions=[1.0]), 'fractions has 1 entries for 2'),
    (dict(fractions=[1.0, -0.5]), 'fractions must be finite and >= 0'),
    (dict(num_samples=[1, 2, 3]), 'num_samples has 3 entries'),
    (dict(num_samples=[1, 2], fractions=[1, 1]), 'num_samples alone'),
    (dict(num_samples=[1.5, 2]), 'integers >= 0'),
    (dict(fractions=[0, 0]), 'selects no sample'),
    (dict(total_samples=0), 'total_samples must be an integer >= 1'),
    (dict(names=['x']), 'names has 1 entries'),
])
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MixtureDataset([Toy(4, 1), Toy(4, 2)], **kwargs)


def test_dataset_errors():
    with pytest.raises(ValueError, match='non-empty list'):
        MixtureDataset([])
    with pytest.raises(ValueError, match='non-empty list'):
        MixtureDataset(Toy(3, 1))
    with pytest.raises(ValueError, match='empty but 2 samples'):
        MixtureDataset([Toy(0, 1), Toy(3, 2)], num_samples=[2, 1])
    with pytest.raises(ValueError, match='same seq_len'):
        MixtureDataset([Toy(3, 1, seq_len=3), Toy(3, 2, seq_len=5)])
    with pytest.raises(ValueError, match='joint layout'):
        MixtureDataset([Toy(3, 1), Toy(3, 2, joints=16)])
