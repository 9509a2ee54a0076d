"""Detector-like corruption of 2D keypoints."""
import torch
from torch import nn

from mpm.registry import MODELS


@MODELS.register_module()
class DetectorNoise(nn.Module):
    """Make clean 2D keypoints look like a 2D detector's output.

    Two kinds of error, drawn independently for every joint of every frame
    from torch's RNG of the input's device (a seeded run reproduces them):

    - jitter: Gaussian noise of std ``jitter_std`` on each coordinate;
    - outliers: with probability ``outlier_prob`` a joint is also moved by a
      Gaussian displacement of std ``outlier_std`` per coordinate (a
      detector confusing the joint with another image location).

    Units: normalised screen coordinates, where the image width spans 2
    (1 unit = 500 px on Human3.6M's 1000-px-wide images): the defaults
    ``jitter_std=0.01`` (5 px) and ``outlier_std=0.1`` (50 px) with
    ``outlier_prob=0.02`` are of the order of CPN's errors on Human3.6M.

    Call it at training time only (the model decides); ``eval()`` does not
    switch it off.

    Args:
        jitter_std: std of the per-joint jitter.
        outlier_prob: probability that a joint is an outlier.
        outlier_std: std of an outlier's displacement.

    Shapes: (B, T, J, C) -> (B, T, J, C), same dtype and device.
    """

    def __init__(self, jitter_std: float = 0.01, outlier_prob: float = 0.02,
                 outlier_std: float = 0.1):
        super().__init__()
        if jitter_std < 0 or outlier_std < 0 or not 0 <= outlier_prob <= 1:
            raise ValueError(
                'DetectorNoise: need jitter_std >= 0, outlier_std >= 0 and '
                f'outlier_prob in [0, 1]; got {jitter_std}, {outlier_std}, '
                f'{outlier_prob}')
        self.jitter_std = jitter_std
        self.outlier_prob = outlier_prob
        self.outlier_std = outlier_std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f'DetectorNoise expects keypoints (B, T, J, C), '
                             f'got a tensor of shape {tuple(x.shape)}')
        out = x
        if self.jitter_std > 0:
            out = out + self.jitter_std * torch.randn_like(x)
        if self.outlier_prob > 0 and self.outlier_std > 0:
            outlier = torch.rand(x.shape[:3], device=x.device) < \
                self.outlier_prob
            jump = self.outlier_std * torch.randn_like(x)
            out = out + jump * outlier.unsqueeze(-1).to(x.dtype)
        return out

    def extra_repr(self) -> str:
        return (f'jitter_std={self.jitter_std}, outlier_prob='
                f'{self.outlier_prob}, outlier_std={self.outlier_std}')
