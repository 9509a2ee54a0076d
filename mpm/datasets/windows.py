"""Index of temporal windows over many videos, without per-window storage.

A window of ``seq_len`` frames with dilation ``d`` centred on frame ``c`` of a
video with ``N`` frames reads frames
``clip(c + d * (arange(seq_len) - seq_len // 2), 0, N - 1)``: frames before
the start repeat frame 0 and frames after the end repeat frame ``N - 1``
(edge padding). The centre frame sits at ``target_index = seq_len // 2``.

:class:`WindowIndex` maps a flat dataset index to ``(video, centre)`` with a
binary search over cumulative centre counts, so memory is O(videos) when the
centres of each video are a range, plus O(centres) only for videos whose
centres are given as an explicit array.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ['WindowIndex', 'contiguous_subset']

Centres = Union[range, np.ndarray, Sequence[int]]


class WindowIndex:
    """Flat index -> (video, centre frame) -> frame indices of a window.

    Args:
        lengths: frames per video ``[N_v]``; every ``N_v >= 1``.
        seq_len: frames per window ``T`` (>= 1).
        dilation: step between window frames in the video (>= 1).
        centres: optional, one entry per video: the centre frames of that
            video's windows, as a ``range`` (stored as start/step/count) or
            an integer array (stored). ``None`` (default) means every frame of
            every video is a centre. Entries may be empty.

    Windows are ordered video by video, then by the order of the centres.
    """

    def __init__(self, lengths: Sequence[int], seq_len: int,
                 dilation: int = 1,
                 centres: Optional[Sequence[Optional[Centres]]] = None):
        lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
        if int(seq_len) < 1:
            raise ValueError(f'seq_len must be >= 1, got {seq_len}.')
        if int(dilation) < 1:
            raise ValueError(f'dilation must be >= 1, got {dilation}.')
        if lengths.size and lengths.min() < 1:
            bad = int(np.argmin(lengths))
            raise ValueError(f'video {bad} has {lengths[bad]} frames; every '
                             'video needs at least one frame.')
        self.lengths = lengths
        self.seq_len = int(seq_len)
        self.dilation = int(dilation)
        num_videos = len(lengths)
        if centres is None:
            centres = [None] * num_videos
        if len(centres) != num_videos:
            raise ValueError(f'centres has {len(centres)} entries for '
                             f'{num_videos} videos.')
        # Per video: start, step, count for ranges; explicit arrays are
        # concatenated into one buffer and addressed by `_buf_start` (-1 for
        # range videos).
        self._start = np.zeros(num_videos, np.int64)
        self._step = np.ones(num_videos, np.int64)
        counts = np.zeros(num_videos, np.int64)
        self._buf_start = np.full(num_videos, -1, np.int64)
        buffers, buf_len = [], 0
        for v, (n, c) in enumerate(zip(lengths.tolist(), centres)):
            if c is None:
                c = range(n)
            if isinstance(c, range):
                if len(c) and (min(c[0], c[-1]) < 0 or max(c[0], c[-1]) >= n):
                    raise ValueError(f'centres of video {v} ({c}) fall '
                                     f'outside its {n} frames.')
                self._start[v], self._step[v], counts[v] = (
                    c.start, c.step, len(c))
                continue
            arr = np.asarray(c, dtype=np.int64).reshape(-1)
            if arr.size and (arr.min() < 0 or arr.max() >= n):
                raise ValueError(
                    f'centres of video {v} range over [{arr.min()}, '
                    f'{arr.max()}], outside its {n} frames [0, {n - 1}].')
            counts[v] = arr.size
            self._buf_start[v] = buf_len
            buffers.append(arr)
            buf_len += arr.size
        self._buffer = (np.concatenate(buffers) if buffers else
                        np.zeros(0, np.int64))
        self.counts = counts
        #: cumulative window counts: windows of video v are
        #: [cum[v], cum[v + 1]).
        self.cum = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._offsets = self.dilation * (
            np.arange(self.seq_len, dtype=np.int64) - self.seq_len // 2)

    @property
    def target_index(self) -> int:
        """Position of the centre frame in a window: ``seq_len // 2``."""
        return self.seq_len // 2

    @property
    def num_videos(self) -> int:
        return len(self.lengths)

    def __len__(self) -> int:
        return int(self.cum[-1])

    def locate(self, index) -> Tuple[np.ndarray, np.ndarray]:
        """Flat window indices (int or array, negative allowed) ->
        ``(video, centre)`` int64 arrays of the same shape.

        Raises:
            IndexError: an index is outside ``[-len, len)``.
        """
        idx = np.asarray(index, dtype=np.int64)
        total = len(self)
        if idx.size and (idx.min() < -total or idx.max() >= total):
            raise IndexError(f'window index {index} out of range for '
                             f'{total} windows.')
        idx = np.where(idx < 0, idx + total, idx)
        video = np.searchsorted(self.cum, idx, side='right') - 1
        local = idx - self.cum[video]
        buf_start = self._buf_start[video]
        explicit = buf_start >= 0
        centre = self._start[video] + self._step[video] * local
        if np.any(explicit):
            centre = np.where(
                explicit,
                self._buffer[np.where(explicit, buf_start + local, 0)],
                centre)
        return video, centre

    def frame_indices(self, video, centre) -> np.ndarray:
        """Frame indices of windows, edge-padded.

        Args:
            video, centre: ints or broadcastable int arrays of shape (...).

        Returns:
            int64 array (..., seq_len) of frame indices within each video,
            ``clip(centre + dilation * (arange(seq_len) - seq_len // 2), 0,
            N_video - 1)``.
        """
        video = np.asarray(video, dtype=np.int64)
        centre = np.asarray(centre, dtype=np.int64)
        last = (self.lengths[video] - 1)[..., None]
        return np.clip(centre[..., None] + self._offsets, 0, last)

    def window(self, index: int) -> Tuple[int, int, np.ndarray]:
        """One flat index -> ``(video, centre, frames (seq_len,))``."""
        video, centre = self.locate(index)
        return int(video), int(centre), self.frame_indices(video, centre)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(videos={self.num_videos}, '
                f'windows={len(self)}, seq_len={self.seq_len}, '
                f'dilation={self.dilation})')


def contiguous_subset(lengths: Sequence[int], fraction: float,
                      seed: int = 0) -> list:
    """Deterministic contiguous chunk of centres per video.

    For each video (in order) ``ceil(fraction * N)`` consecutive centres
    starting at an offset drawn uniformly from
    ``np.random.default_rng(seed)``; identical on every process.

    Args:
        lengths: frames per video ``[N_v]``.
        fraction: in (0, 1]; 1 keeps every frame.
        seed: seed of the generator.

    Returns:
        list of ``range`` objects, one per video, for
        :class:`WindowIndex`'s ``centres``.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'subset must be in (0, 1], got {fraction}.')
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        n = int(n)
        # tolerance: 0.3 * 10 is 3.0000000000000004 in floating point
        keep = min(n, max(1, math.ceil(fraction * n - 1e-9)))
        start = int(rng.integers(0, n - keep + 1))
        out.append(range(start, start + keep))
    return out
