"""Device-resident training windows: whole videos on the device once, windows
gathered there in batch.

The DataLoader path slices every window in Python (one ``__getitem__`` per
sample, then ``default_collate``), which at batch 1024 and a GPU step of tens
of milliseconds cannot keep up. Here:

- :class:`DeviceWindowDataset` wraps a window dataset (``Human36mDataset``,
  ``MpiInf3dhpDataset``, ... anything with ``window_index`` and
  ``get_video``). The DataLoader only batches *indices*: its
  ``__getitems__`` returns ``dict(window_index=(B,) int64, windows=store)``
  in one call per batch (no per-sample Python), and
  :func:`window_batch_collate` passes that through.
- :class:`DeviceWindowStore` holds every video's frames in two flat arrays
  and, on first use on a device, copies them there (Human3.6M's training
  set: about half a gigabyte). :meth:`DeviceWindowStore.gather` makes a batch
  on the device: frame indices ``clip(centre + dilation * (arange(T) - T //
  2), 0, N - 1)`` (edge padding, dilation) for all windows at once, then one
  indexed read per array. The result has the keys and values of the
  collated DataLoader batch; the model's data preprocessor
  (``PoseDataPreprocessor``) calls it, then flips, adds noise and the model
  masks, all batched on the device as before.

Switch it on in a config with the top-level key ``device_windows = True``
(``tools/train.py`` and ``tools/analysis_tools/benchmark.py`` apply
:func:`apply_device_windows`, which wraps ``train_dataloader.dataset`` and
sets ``num_workers=0`` and the collate function). Validation and testing
keep the DataLoader (they need each window's metadata).
"""
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.registry import FUNCTIONS
from torch.utils.data import Dataset, get_worker_info

from mpm.registry import DATASETS

__all__ = ['DeviceWindowStore', 'DeviceWindowDataset',
           'window_batch_collate', 'apply_device_windows']


class DeviceWindowStore:
    """Every video of a window dataset, flat, with a per-device copy.

    Args:
        dataset: a window dataset with ``window_index``
            (:class:`~mpm.datasets.windows.WindowIndex`), ``get_video(v)``
            returning ((N, J, 2) 2D, (N, J, 3) 3D) float arrays, and
            ``target_index``. Its transform pipeline, if any, is not applied
            (the store refuses datasets that have one).

    Attributes:
        keypoints_2d: (F, J, 2) float32, all videos' frames, video after
            video (numpy, host). keypoints_3d: (F, J, 3) float32.
        video_start: (V,) int64, first flat frame of each video.
        window_video, window_centre: (W,) int64, each window's video and
            centre frame (within its video).
    """

    def __init__(self, dataset):
        for need in ('window_index', 'get_video'):
            if not hasattr(dataset, need):
                raise TypeError(
                    f'DeviceWindowDataset needs a window dataset with '
                    f'`{need}` (e.g. Human36mDataset); '
                    f'{type(dataset).__name__} has none.')
        if getattr(dataset, 'pipeline', None) is not None:
            raise ValueError(
                'DeviceWindowDataset gathers raw windows on the device and '
                f'cannot run the per-sample pipeline of '
                f'{type(dataset).__name__}; remove the pipeline or train '
                'with device_windows=False.')
        index = dataset.window_index
        videos = [dataset.get_video(v) for v in range(index.num_videos)]
        self.keypoints_2d = np.concatenate([v[0] for v in videos]).astype(
            np.float32, copy=False)
        self.keypoints_3d = np.concatenate([v[1] for v in videos]).astype(
            np.float32, copy=False)
        lengths = np.array([len(v[0]) for v in videos], np.int64)
        if not np.array_equal(lengths, index.lengths):
            raise ValueError('the videos returned by get_video do not have '
                             'the lengths of the window index.')
        self.video_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.video_length = lengths
        self.window_video, self.window_centre = index.locate(
            np.arange(len(index)))
        self.seq_len = index.seq_len
        self.dilation = index.dilation
        self.target_index = index.target_index
        self._on_device: Dict[str, Dict[str, torch.Tensor]] = {}

    def __len__(self) -> int:
        return len(self.window_video)

    @property
    def nbytes(self) -> int:
        """Bytes the store occupies on a device."""
        return (self.keypoints_2d.nbytes + self.keypoints_3d.nbytes +
                8 * 3 * len(self.window_video))

    def arrays(self, device) -> Dict[str, torch.Tensor]:
        """The store's tensors on ``device`` (copied there on first use)."""
        key = str(torch.device(device))
        if key not in self._on_device:
            first = self.video_start[self.window_video]
            last = first + self.video_length[self.window_video] - 1
            self._on_device[key] = {
                'keypoints_2d': torch.from_numpy(self.keypoints_2d).to(device),
                'keypoints_3d': torch.from_numpy(self.keypoints_3d).to(device),
                # flat centre frame, first and last flat frame per window
                'centre': torch.from_numpy(first + self.window_centre).to(
                    device),
                'first': torch.from_numpy(first).to(device),
                'last': torch.from_numpy(last).to(device),
                'video_start': torch.from_numpy(self.video_start).to(device),
                'offsets': (self.dilation * (torch.arange(
                    self.seq_len, dtype=torch.int64) - self.seq_len // 2)).to(
                        device),
            }
        return self._on_device[key]

    def gather(self, window_index: torch.Tensor, device) -> Dict[str, Any]:
        """A batch of windows, made on ``device``.

        Args:
            window_index: (B,) int flat window indices.
            device: where to gather (the model's device).

        Returns:
            dict like the collated DataLoader batch: ``keypoints_2d`` (B, T,
            J, 2), ``keypoints_3d`` (B, T, J, 3) float32, ``target_index``
            (B,) int64, ``meta`` dict(video=(B,), frame=(B,) centre frame
            within its video) int64 tensors.
        """
        a = self.arrays(device)
        window_index = torch.as_tensor(window_index, device=device).long()
        frames = (a['centre'][window_index, None] + a['offsets']).clamp_(
            min=a['first'][window_index, None],
            max=a['last'][window_index, None])
        frame = a['centre'][window_index] - a['first'][window_index]
        video = torch.searchsorted(a['video_start'],
                                   a['first'][window_index])
        return dict(
            keypoints_2d=a['keypoints_2d'][frames],
            keypoints_3d=a['keypoints_3d'][frames],
            target_index=torch.full_like(window_index, self.target_index),
            meta=dict(video=video, frame=frame))


@DATASETS.register_module()
class DeviceWindowDataset(Dataset):
    """Index batches over a window dataset whose videos live on the device.

    Args:
        dataset: config (or instance) of the window dataset to serve.

    ``len`` is the wrapped dataset's. A DataLoader batch (``__getitems__``
    with the sampler's indices) is ``dict(window_index=(B,) int64,
    windows=DeviceWindowStore)``; ``PoseDataPreprocessor`` turns it into
    the windows on the model's device. ``dataset[i]`` is the wrapped
    dataset's item ``i`` (the same values the gathered batch holds).
    Needs ``num_workers=0`` (the store is not sent to worker processes).
    """

    def __init__(self, dataset):
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        self.store = DeviceWindowStore(self.dataset)
        self.metainfo = getattr(self.dataset, 'metainfo', {})

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index: int):
        return self.dataset[index]

    def __getitems__(self, indices: Sequence[int]) -> Dict[str, Any]:
        if get_worker_info() is not None:
            raise RuntimeError(
                'DeviceWindowDataset runs in the main process: set '
                'train_dataloader.num_workers=0 (apply_device_windows does).')
        return dict(window_index=torch.as_tensor(indices, dtype=torch.int64),
                    windows=self.store)


@FUNCTIONS.register_module()
def window_batch_collate(batch):
    """Collate of :class:`DeviceWindowDataset`: its ``__getitems__`` already
    returns the batch (index tensor + store); pass it through."""
    if not (isinstance(batch, dict) and 'window_index' in batch):
        raise TypeError('window_batch_collate is the collate function of '
                        'DeviceWindowDataset only; use default_collate for '
                        'other datasets.')
    return batch


def apply_device_windows(cfg, enable: Optional[bool] = None) -> bool:
    """Switch ``cfg.train_dataloader`` to device-resident windows.

    Args:
        cfg: an MMEngine config (changed in place).
        enable: True / False, or None to follow the config's top-level
            ``device_windows`` key (default False).

    Returns:
        Whether the train dataloader now serves device-resident windows.
    """
    if enable is None:
        enable = bool(cfg.get('device_windows', False))
    loader = cfg.get('train_dataloader')
    if not enable or loader is None:
        return False
    if loader.dataset.get('type') != 'DeviceWindowDataset':
        loader.dataset = dict(type='DeviceWindowDataset',
                              dataset=loader.dataset)
    loader.num_workers = 0
    loader.persistent_workers = False
    loader.pop('pin_memory', None)
    loader.collate_fn = dict(type='window_batch_collate')
    return True
