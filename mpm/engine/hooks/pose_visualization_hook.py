"""Draw ground truth beside prediction for a sample of test windows."""
import os
import os.path as osp
import re
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mpm.registry import HOOKS


def _numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def _safe(text) -> str:
    return re.sub(r'[^A-Za-z0-9._-]+', '-', str(text)).strip('-')


@HOOKS.register_module()
class PoseVisualizationHook(Hook):
    """Save a PNG of GT beside prediction for a sample of test windows
    (MPM paper, Figure 5 style), via
    :func:`mpm.visualization.render_comparison`.

    Every ``interval``-th test iteration, the first sample of the batch that
    has both ``pred_keypoints_3d`` and ``gt_keypoints_3d`` in the model's
    ``predict`` outputs (``PoseLifter``: (J, 3) root-relative metres of the
    window's target frame) is drawn, with the target frame of the batch's
    ``keypoints_2d`` input ((B, T, J, 2) normalised screen coordinates) in
    a first column, until ``num_windows`` PNGs are written. Files:
    ``out_dir/window_{k:03d}_{subject}_{action}_{camera}_f{frame}.png``
    (meta parts that are absent are left out). Only the main process draws.

    Args:
        out_dir: output folder (relative paths are relative to the current
            directory); created on first use.
        num_windows: how many windows to draw in a test run.
        interval: draw from every ``interval``-th test batch.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, num_windows: int = 8,
                 interval: int = 1):
        if num_windows < 0 or interval < 1:
            raise ValueError(f'PoseVisualizationHook: need num_windows >= 0 '
                             f'and interval >= 1, got {num_windows} and '
                             f'{interval}.')
        self.out_dir = out_dir
        self.num_windows = num_windows
        self.interval = interval
        self.written = []

    def before_test(self, runner) -> None:
        self.written = []

    def _name(self, k: int, sample: dict) -> str:
        parts = [f'window_{k:03d}']
        for key in ('subject', 'action', 'camera'):
            if key in sample:
                parts.append(_safe(sample[key]))
        if 'frame' in sample:
            parts.append(f"f{_safe(sample['frame'])}")
        return '_'.join(parts) + '.png'

    def _input_2d(self, data_batch, i: int) -> Optional[np.ndarray]:
        if not isinstance(data_batch, dict) or \
                data_batch.get('keypoints_2d') is None:
            return None
        kp = data_batch['keypoints_2d'][i]
        target = data_batch.get('target_index')
        t = kp.shape[0] // 2 if target is None else int(
            target[i] if hasattr(target, '__len__') else target)
        return _numpy(kp[t])[:, :2]

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if len(self.written) >= self.num_windows or not outputs or \
                batch_idx % self.interval or not is_main_process():
            return
        for i, sample in enumerate(outputs):
            if not isinstance(sample, dict) or \
                    sample.get('gt_keypoints_3d') is None or \
                    sample.get('pred_keypoints_3d') is None:
                continue
            from mpm.visualization.animation import render_comparison
            k = len(self.written)
            path = osp.join(self.out_dir, self._name(k, sample))
            title = ' '.join(
                str(sample[key]) for key in ('subject', 'action', 'camera')
                if key in sample)
            if 'frame' in sample:
                title += f" frame {sample['frame']}"
            os.makedirs(self.out_dir, exist_ok=True)
            render_comparison(_numpy(sample['gt_keypoints_3d']),
                              _numpy(sample['pred_keypoints_3d']), path,
                              keypoints_2d=self._input_2d(data_batch, i),
                              title=title.strip() or None)
            self.written.append(path)
            break

    def after_test(self, runner) -> None:
        if self.written and is_main_process():
            runner.logger.info(f'PoseVisualizationHook: {len(self.written)} '
                               f'figures written to {self.out_dir}')
