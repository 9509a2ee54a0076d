"""What every window dataset of mpm shares: the window index and the
optional transform pipeline."""
from typing import Any, Optional, Sequence, Union

from torch.utils.data import Dataset

from mpm.registry import TRANSFORMS
from .windows import WindowIndex


class PoseWindowDataset(Dataset):
    """Base of the keypoint-window datasets (Human3.6M, MPI-INF-3DHP, AMASS).

    A subclass sets ``self.window_index`` (a :class:`WindowIndex` over its
    videos, windows of T frames) and ``self.pipeline`` (from
    :meth:`_build_pipeline`) and implements ``__getitem__``, which returns a
    dict with ``keypoints_2d`` (T, J, 2) normalised screen coordinates,
    ``keypoints_3d`` (T, J, 3) root-relative metres, ``target_index`` and
    ``meta``.
    """

    window_index: WindowIndex
    pipeline: Optional[Any] = None

    @staticmethod
    def _build_pipeline(pipeline: Sequence[Union[dict, Any]]):
        """Compose transform configs (TRANSFORMS) and callables, or None."""
        if not pipeline:
            return None
        from mmengine.dataset import Compose
        return Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t
                        for t in pipeline])

    @property
    def target_index(self) -> int:
        """Position of the centre frame in a window (``seq_len // 2``)."""
        return self.window_index.target_index

    def __len__(self) -> int:
        return len(self.window_index)
