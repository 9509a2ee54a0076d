"""A deterministic mixture of pose datasets with a common item contract."""
import math
import operator
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from mpm.registry import DATASETS

__all__ = ['MixtureDataset', 'normalise_item', 'META_KEYS']

#: Meta entries every mixed item carries: strings, except ``frame`` (int).
META_KEYS = ('dataset', 'subject', 'action', 'sequence', 'camera', 'frame')


def _dataset_name(dataset, index: int) -> str:
    info = getattr(dataset, 'metainfo', None)
    if isinstance(info, dict) and info.get('dataset_name'):
        return str(info['dataset_name'])
    return f'{type(dataset).__name__.lower()}{index}'


def normalise_item(item: Dict[str, Any], dataset_name: str,
                   num_joints: Optional[int] = None) -> Dict[str, Any]:
    """One dataset item -> the mixture contract.

    Output keys: ``keypoints_2d`` (T, J, 2) float32 normalised screen
    coordinates (zeros when missing), ``keypoints_3d`` (T, J, 3) float32
    root-relative metres (zeros when missing), ``has_2d`` / ``has_3d``
    (bool; the item's own flag, else whether the array was present),
    ``target_index`` (int) and ``meta`` with exactly :data:`META_KEYS`
    (``dataset`` = ``dataset_name``, ``camera`` as a string, ``frame`` an
    int, missing entries ``''`` / -1). Other keys are dropped so that
    ``default_collate`` works across datasets. ``num_joints``: J of a missing
    array (default: that of the present one).
    """
    kp2d, kp3d = item.get('keypoints_2d'), item.get('keypoints_3d')
    ref = kp2d if kp2d is not None else kp3d
    if ref is None:
        raise KeyError(f'dataset {dataset_name!r}: an item has neither '
                       'keypoints_2d nor keypoints_3d (keys: '
                       f'{sorted(item)}).')
    t = np.shape(ref)[0]
    if num_joints is None:
        num_joints = np.shape(ref)[1]
    out = {}
    for key, dim, arr in (('2d', 2, kp2d), ('3d', 3, kp3d)):
        if arr is None:
            arr = np.zeros((t, num_joints, dim), np.float32)
            flag = False
        else:
            arr = np.asarray(arr, np.float32)
            flag = bool(item.get(f'has_{key}', True))
        out[f'keypoints_{key}'] = arr
        out[f'has_{key}'] = flag
    out['target_index'] = int(item.get('target_index', t // 2))
    meta = dict(item.get('meta') or {})
    frame = meta.get('frame', -1)
    out['meta'] = dict(
        dataset=str(dataset_name),
        subject=str(meta.get('subject', '')),
        action=str(meta.get('action', '')),
        sequence=str(meta.get('sequence', '')),
        camera=str(meta.get('camera', '')),
        frame=int(frame) if frame is not None else -1)
    return out


@DATASETS.register_module()
class MixtureDataset(Dataset):
    """Concatenation of deterministic subsets (or repeats) of datasets.

    How many samples of dataset ``i`` (``n_i`` items) are used is set by one
    of:

    - ``fractions``: ``round(f_i * n_i)`` samples; ``f_i > 1`` repeats the
      dataset ``floor(f_i)`` times and adds a subset for the remainder,
      ``f_i < 1`` keeps a subset, 0 drops it;
    - ``num_samples``: the counts themselves (``None`` entries = all ``n_i``);
    - ``total_samples``: one scale ``s`` for every dataset (weighted by
      ``fractions`` if given too) so that the counts ``s * f_i * n_i`` add up
      to exactly ``total_samples`` (largest-remainder rounding), e.g. Table E
      small (4.17M) / base (8.34M).

    The subset of dataset ``i`` is drawn without replacement from
    ``np.random.default_rng([seed, i])`` and sorted: the same on every rank
    and in every run, independent of torch's RNG. Index order: dataset by
    dataset.

    Items are normalised by :func:`normalise_item` (keys ``keypoints_2d``,
    ``keypoints_3d``, ``has_2d``, ``has_3d``, ``target_index``, ``meta``
    {dataset, subject, action, sequence, camera, frame}) so that batches
    mixing datasets collate with ``default_collate``. Every dataset must give
    windows of the same ``T`` and ``J``, checked on its first item.

    Args:
        datasets: dataset configs (built from ``DATASETS``) or instances.
        fractions, num_samples, total_samples: see above.
        names: dataset names for ``meta['dataset']`` and the log (default:
            each dataset's ``metainfo['dataset_name']``).
        seed: seed of the subsets.
    """

    def __init__(self,
                 datasets: Sequence[Union[dict, Dataset]],
                 fractions: Optional[Sequence[float]] = None,
                 num_samples: Optional[Sequence[Optional[int]]] = None,
                 total_samples: Optional[int] = None,
                 names: Optional[Sequence[str]] = None,
                 seed: int = 0):
        if isinstance(datasets, (dict, Dataset)) or not datasets:
            raise ValueError('MixtureDataset needs a non-empty list of '
                             'dataset configs or datasets, got '
                             f'{datasets!r}.')
        self.datasets = [DATASETS.build(d) if isinstance(d, dict) else d
                         for d in datasets]
        k = len(self.datasets)
        self.lengths = [len(d) for d in self.datasets]
        if names is not None and len(names) != k:
            raise ValueError(f'names has {len(names)} entries for {k} '
                             'datasets.')
        self.names = ([str(n) for n in names] if names is not None else
                      [_dataset_name(d, i)
                       for i, d in enumerate(self.datasets)])
        self.seed = int(seed)
        counts = self._counts(fractions, num_samples, total_samples)
        if sum(counts) == 0:
            raise ValueError(
                f'MixtureDataset selects no sample (dataset lengths '
                f'{self.lengths}, counts {counts}); raise the fractions or '
                'counts.')
        # per dataset: full repeats (virtual) + a sorted extra subset
        self.counts = counts
        self._repeats, self._extra = [], []
        for i, (n, c) in enumerate(zip(self.lengths, counts)):
            reps, rest = divmod(c, n) if n else (0, 0)
            self._repeats.append(reps)
            if rest:
                rng = np.random.default_rng([self.seed, i])
                pick = np.sort(rng.choice(n, size=rest, replace=False))
                dtype = np.int32 if n < 2**31 else np.int64
                self._extra.append(pick.astype(dtype))
            else:
                self._extra.append(np.zeros(0, np.int32))
        self.cum = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._shape = self._check_shapes()
        for name, n, c in zip(self.names, self.lengths, counts):
            print_log(f'MixtureDataset: {name}: {c} samples of {n} '
                      f'({c / n if n else 0:.4g}x)', logger='current')
        print_log(f'MixtureDataset: {len(self)} samples in total',
                  logger='current')
        first = next(d for d, c in zip(self.datasets, counts) if c)
        info = getattr(first, 'metainfo', None)
        self.metainfo = dict(info) if isinstance(info, dict) else {}
        self.metainfo.update(dataset_name='mixture', datasets=self.names,
                             counts=list(counts))

    # ------------------------------------------------------------------ init
    def _counts(self, fractions, num_samples, total_samples) -> List[int]:
        k = len(self.datasets)
        if num_samples is not None and (fractions is not None
                                        or total_samples is not None):
            raise ValueError('give num_samples alone, or fractions and/or '
                             'total_samples.')
        if num_samples is not None:
            if len(num_samples) != k:
                raise ValueError(f'num_samples has {len(num_samples)} '
                                 f'entries for {k} datasets.')
            counts = []
            for n, c in zip(self.lengths, num_samples):
                c = n if c is None else c
                if int(c) != c or c < 0:
                    raise ValueError(f'num_samples entries must be integers '
                                     f'>= 0 or None, got {c!r}.')
                counts.append(int(c))
            self._check_nonempty(counts)
            return counts
        if fractions is None:
            fractions = [1.0] * k
        if len(fractions) != k:
            raise ValueError(f'fractions has {len(fractions)} entries for {k}'
                             ' datasets.')
        fractions = [float(f) for f in fractions]
        if any(not math.isfinite(f) or f < 0 for f in fractions):
            raise ValueError(f'fractions must be finite and >= 0, got '
                             f'{fractions}.')
        if total_samples is None:
            counts = [int(round(f * n)) for f, n in
                      zip(fractions, self.lengths)]
            self._check_nonempty(counts)
            return counts
        if int(total_samples) != total_samples or total_samples < 1:
            raise ValueError(f'total_samples must be an integer >= 1, got '
                             f'{total_samples!r}.')
        weights = np.array(fractions) * np.array(self.lengths, np.float64)
        if weights.sum() == 0:
            raise ValueError('total_samples: every dataset is empty or has '
                             'fraction 0.')
        exact = weights / weights.sum() * int(total_samples)
        counts = np.floor(exact).astype(np.int64)
        short = int(total_samples) - int(counts.sum())
        order = np.argsort(-(exact - counts), kind='stable')
        counts[order[:short]] += 1
        return [int(c) for c in counts]

    def _check_nonempty(self, counts):
        for name, n, c in zip(self.names, self.lengths, counts):
            if c and not n:
                raise ValueError(f'dataset {name!r} is empty but {c} samples '
                                 'of it were requested.')

    def _check_shapes(self):
        shape = None
        for name, d, c in zip(self.names, self.datasets, self.counts):
            if not c:
                continue
            item = normalise_item(d[0], name)
            this = item['keypoints_2d'].shape[:2]
            if item['keypoints_3d'].shape[:2] != this:
                raise ValueError(
                    f'dataset {name!r}: keypoints_2d '
                    f"{item['keypoints_2d'].shape} and keypoints_3d "
                    f"{item['keypoints_3d'].shape} differ in frames/joints.")
            if shape is None:
                shape = (this[0], this[1], name)
            elif this != shape[:2]:
                raise ValueError(
                    f'dataset {name!r} gives windows of {this[0]} frames x '
                    f'{this[1]} joints, {shape[2]!r} gives {shape[0]} x '
                    f'{shape[1]}: use the same seq_len and the same joint '
                    "layout (e.g. joint_order='h36m') for every dataset.")
        return shape

    # ---------------------------------------------------------------- access
    def __len__(self) -> int:
        return int(self.cum[-1])

    def source_index(self, index: int):
        """Flat index -> ``(dataset index, index in that dataset)``."""
        index = operator.index(index)
        total = len(self)
        if not -total <= index < total:
            raise IndexError(f'index {index} out of range for {total} '
                             'samples.')
        if index < 0:
            index += total
        i = int(np.searchsorted(self.cum, index, side='right') - 1)
        local = index - int(self.cum[i])
        n = self.lengths[i]
        full = self._repeats[i] * n
        inner = local % n if local < full else int(
            self._extra[i][local - full])
        return i, inner

    def __getitem__(self, index) -> Dict[str, Any]:
        i, inner = self.source_index(index)
        item = normalise_item(self.datasets[i][inner], self.names[i],
                              self._shape[1])
        for key in ('keypoints_2d', 'keypoints_3d'):
            if item[key].shape[:2] != self._shape[:2]:
                raise ValueError(
                    f'dataset {self.names[i]!r}, item {inner}: {key} has '
                    f'shape {item[key].shape}, expected {self._shape[0]} '
                    f'frames x {self._shape[1]} joints like the other '
                    'datasets.')
        return item

    def __repr__(self) -> str:
        parts = ', '.join(f'{n}={c}' for n, c in zip(self.names, self.counts))
        return f'{type(self).__name__}({parts}, total={len(self)})'
