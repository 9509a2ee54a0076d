"""A lifter followed by Cai et al.'s pose refinement (P-STMO's "refine").

The refinement needs the depth of the root joint in the camera frame. The
reference implementations feed the *ground-truth* root depth at test time
(``root_depth='gt'``, the paper protocol behind P-STMO's 42.1 mm "with
refine"), which no in-the-wild system has. ``root_depth='estimated'`` is the
honest mode: the depth is solved in closed form from the 2D input, the
camera intrinsics and the lifted pose (:mod:`mpm.models.refine.geometry`).
Every prediction carries the mode it used (``refine_root_depth``) so that
the metric can label its keys with it (``RefineMetric``).
"""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.logging import print_log

from mpm.models.utils import split_batch_meta, zero_root
from mpm.registry import LOSSES, MODELS
from ..refine import (ROOT_DEPTH_METHODS, RefineModule, batch_camera_params,
                      batch_root_position, estimate_root_depth,
                      pixels_from_normalized, pixels_to_rays)
from .base import PoseAlgorithm

__all__ = ['RefinedPoseLifter', 'ROOT_DEPTH_MODES']

#: ``root_depth`` modes: the paper protocol and the honest one.
ROOT_DEPTH_MODES = ('gt', 'estimated')

#: Human-readable label of each mode (tables, logs).
ROOT_DEPTH_LABELS = dict(gt='GT root depth', estimated='estimated root depth')


@MODELS.register_module()
class RefinedPoseLifter(PoseAlgorithm):
    """Lift a 2D window to 3D, then refine the output frame's pose.

    Args:
        lifter: config of the lifter (``PoseLifter``), whose
            ``predict_pose`` / ``_forward`` give the root-relative pose.
        refine: keyword arguments of :class:`~mpm.models.refine.RefineModule`
            (``num_joints`` defaults to the lifter's).
        root_depth: ``'gt'`` (paper protocol: ground-truth root depth from
            ``data_samples['root_3d']``) or ``'estimated'`` (closed form from
            2D + intrinsics + lifted pose; no ground truth).
        depth_method: estimator of the honest mode, ``'lstsq'`` (perspective
            least squares) or ``'bone_ratio'`` (weak perspective).
        freeze_lifter: keep the lifter fixed (eval mode, no gradients); only
            the refine module trains. Otherwise the lifter's own losses
            (times ``lifter_loss_weight``) are added and it trains too.
        lifter_checkpoint: optional stage II checkpoint loaded into the
            lifter by :meth:`init_weights` (keys of a ``PoseLifter``, or of a
            ``RefinedPoseLifter`` under ``lifter.``).
        loss: per-joint loss of the refined pose (``MPJPELoss``, metres).
        lifter_loss_weight: weight of the lifter's losses when it trains.
        undistort: remove the lens distortion of the 2D keypoints before
            back-projection (the Human3.6M 2D keypoints are distorted).
        data_preprocessor: defaults to ``PoseDataPreprocessor`` with
            ``flip_prob=0``: a mirrored image is not what the camera saw, so
            the rays and the ground-truth root would not match the flipped
            2D (the lifter's test-time flip averaging is unaffected).

    Batch: ``inputs`` (B, F, J, 2) normalised screen coordinates;
    ``data_samples`` with ``target_index`` (B,), ``keypoints_3d``
    (B, F, J, 3) root-relative metres (loss / metrics), the camera
    (``camera_params`` or ``meta`` subject + camera, see
    :mod:`mpm.models.refine.cameras`) and, for ``root_depth='gt'``,
    ``root_3d`` (B, F, 3) camera-frame metres.

    Modes of ``forward``:
      - ``'tensor'``: ``(refined (B, J, 3), lifted (B, J, 3), root_depth
        (B,))``, metres, root-relative.
      - ``'loss'``: ``loss_refine`` (+ the lifter's losses when it trains).
      - ``'predict'``: B dicts with ``pred_keypoints_3d`` (refined, (J, 3)),
        ``lifted_keypoints_3d`` (the lifter's pose), ``gt_keypoints_3d``,
        ``root_depth`` (m, used), ``root_depth_gt`` (m, when available),
        ``refine_root_depth`` (the mode) and the meta entries.
    """

    def __init__(self, lifter: dict, refine: Optional[dict] = None,
                 root_depth: str = 'gt', depth_method: str = 'lstsq',
                 freeze_lifter: bool = True,
                 lifter_checkpoint: Optional[str] = None,
                 loss: dict = dict(type='MPJPELoss'),
                 lifter_loss_weight: float = 1.0, undistort: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='PoseDataPreprocessor',
                                     flip_prob=0.0)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if root_depth not in ROOT_DEPTH_MODES:
            raise ValueError(f"root_depth must be one of {ROOT_DEPTH_MODES} "
                             f"('gt': paper protocol, ground-truth root "
                             f"depth; 'estimated': honest); got "
                             f'{root_depth!r}.')
        if depth_method not in ROOT_DEPTH_METHODS:
            raise ValueError(f'depth_method must be one of '
                             f'{ROOT_DEPTH_METHODS}; got {depth_method!r}.')
        self.lifter = MODELS.build(lifter)
        refine = dict(refine or {})
        refine.setdefault('num_joints', self.lifter.encoder.num_joints)
        refine.setdefault('root_index', self.lifter.root_index)
        self.refine = RefineModule(**refine)
        self.root_depth = root_depth
        self.depth_method = depth_method
        self.freeze_lifter = freeze_lifter
        self.lifter_checkpoint = lifter_checkpoint
        self.loss_fn = LOSSES.build(loss)
        self.lifter_loss_weight = lifter_loss_weight
        self.undistort = undistort
        if freeze_lifter:
            self.lifter.requires_grad_(False)
            self.lifter.eval()

    @property
    def root_depth_label(self) -> str:
        """``'GT root depth'`` or ``'estimated root depth'``."""
        return ROOT_DEPTH_LABELS[self.root_depth]

    def train(self, mode: bool = True):
        """Set train/eval mode; a frozen lifter always stays in eval."""
        super().train(mode)
        if self.freeze_lifter:
            self.lifter.eval()
        return self

    def init_weights(self):
        """Initialise, then load ``lifter_checkpoint`` into the lifter."""
        super().init_weights()
        self.refine.reset_output()
        if self.lifter_checkpoint:
            self.load_lifter(self.lifter_checkpoint)

    def load_lifter(self, checkpoint: str) -> None:
        """Load a stage II checkpoint (strict) into the lifter."""
        import os.path as osp

        from mmengine.runner.checkpoint import CheckpointLoader

        from mpm.models.pretrained_parts import load_pretrained_parts
        if '://' not in checkpoint and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'lifter checkpoint {checkpoint} does not exist: train the '
                'lifter first (e.g. tools/train.py configs/demo/lifter.py) '
                'and set model.lifter_checkpoint to its .pth file.')
        state = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
        state = state.get('state_dict', state)
        prefix = 'lifter.' if any(k.startswith('lifter.')
                                  for k in state) else ''
        load_pretrained_parts(self.lifter, dict(state_dict=state),
                              key_map={prefix: ''}, strict=True)
        print_log(f'RefinedPoseLifter: lifter loaded from {checkpoint}',
                  logger='current')

    # ------------------------------------------------------------- pieces
    @staticmethod
    def _target_index(data_samples: Optional[dict], inputs: torch.Tensor
                      ) -> torch.Tensor:
        B, F = inputs.shape[:2]
        index = (data_samples or {}).get('target_index')
        if index is None:
            index = F // 2
        index = torch.as_tensor(index, device=inputs.device).long()
        if index.dim() == 0:
            index = index.expand(B)
        return index

    def rays_of(self, inputs: torch.Tensor, data_samples: Optional[dict],
                target_index: torch.Tensor) -> torch.Tensor:
        """Rays (B, J, 2) of the output frame's 2D keypoints."""
        B = inputs.shape[0]
        cam = batch_camera_params(data_samples, B, inputs.device,
                                  inputs.dtype)
        kp = inputs[torch.arange(B, device=inputs.device), target_index]
        pixels = pixels_from_normalized(kp, cam['res'])
        if self.undistort:
            return pixels_to_rays(pixels, cam['focal_length'], cam['center'],
                                  cam['radial'], cam['tangential'])
        return pixels_to_rays(pixels, cam['focal_length'], cam['center'])

    def root_depth_of(self, lifted: torch.Tensor, rays: torch.Tensor,
                      data_samples: Optional[dict],
                      target_index: torch.Tensor) -> torch.Tensor:
        """(B,) root depth in metres for the configured mode."""
        if self.root_depth == 'gt':
            root = batch_root_position(data_samples, target_index)
            return root[:, 2].to(lifted.device, lifted.dtype)
        return estimate_root_depth(rays, lifted, method=self.depth_method,
                                   min_depth=self.refine.min_depth)

    def _lifted(self, inputs: torch.Tensor, grad: bool) -> torch.Tensor:
        if grad:
            final = self.lifter._forward(inputs)[0][:, 0]
            return zero_root(final, self.lifter.root_index)
        return self.lifter.predict_pose(inputs)

    def _refine(self, inputs: torch.Tensor, data_samples: Optional[dict],
                grad_lifter: bool = False
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        target_index = self._target_index(data_samples, inputs)
        lifted = self._lifted(inputs, grad_lifter)
        rays = self.rays_of(inputs, data_samples, target_index)
        depth = self.root_depth_of(lifted, rays, data_samples, target_index)
        return self.refine(lifted, rays, depth), lifted, depth

    # -------------------------------------------------------------- modes
    def tensor(self, inputs, data_samples=None):
        """Raw network outputs (``forward(..., mode='tensor')``)."""
        return self._refine(inputs, data_samples,
                            grad_lifter=not self.freeze_lifter)

    def loss(self, inputs: torch.Tensor,
             data_samples: dict) -> Dict[str, torch.Tensor]:
        gt = data_samples['keypoints_3d']
        index = self._target_index(data_samples, inputs)
        gt_final = gt[torch.arange(gt.shape[0], device=gt.device), index]
        train_lifter = not self.freeze_lifter
        refined = self._refine(inputs, data_samples, train_lifter)[0]
        losses = dict(loss_refine=self.loss_fn(refined, gt_final))
        if train_lifter and self.lifter_loss_weight > 0:
            for key, value in self.lifter.loss(inputs, data_samples).items():
                losses[key] = self.lifter_loss_weight * value
        return losses

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[dict] = None) -> List[dict]:
        data_samples = data_samples or {}
        refined, lifted, depth = self._refine(inputs, data_samples)
        B = inputs.shape[0]
        index = self._target_index(data_samples, inputs)
        gt_depth = None
        if data_samples.get('root_3d') is not None:
            gt_depth = batch_root_position(data_samples, index)[:, 2]
        gt = data_samples.get('keypoints_3d')
        if gt is not None:
            gt = gt[torch.arange(B, device=gt.device), index.to(gt.device)]
        results = split_batch_meta(data_samples.get('meta'), B)
        for i, result in enumerate(results):
            result['pred_keypoints_3d'] = refined[i].cpu()
            result['lifted_keypoints_3d'] = lifted[i].cpu()
            result['root_depth'] = float(depth[i])
            result['refine_root_depth'] = self.root_depth
            if gt_depth is not None:
                result['root_depth_gt'] = float(gt_depth[i])
            if gt is not None:
                result['gt_keypoints_3d'] = gt[i].cpu()
        return results
