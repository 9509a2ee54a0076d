"""The evaluation protocol of MPM's pose completion (Tables 3 and 4),
shared by :class:`~.lifting_completion.LiftingCompletion` (2D -> 3D) and
:class:`~.reconstruction_completion.ReconstructionCompletion` (3D -> 3D).

Every setting of ``eval_settings`` is run on every sample with a mask seeded
by ``eval_seed``, the setting and the sample's meta
(:func:`~mpm.models.maskers.sample_seed`): identical in every run and
independent of the batching.
"""
from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

from mpm.models.maskers import OcclusionMasker, build_masker, sample_seed
from mpm.models.utils import split_batch_meta


def occlusion_choice(settings: Sequence[str]) -> dict:
    """Masker config: per sample one of the named occlusion ``settings``."""
    return dict(type='RandomChoiceMasker',
                maskers=[dict(type='OcclusionMasker', setting=s)
                         for s in settings])


def build_eval_maskers(settings: Sequence[Union[str, dict]]
                       ) -> 'OrderedDict[str, OcclusionMasker]':
    """Setting name -> ``OcclusionMasker`` for names or masker configs."""
    maskers = OrderedDict()
    if len(settings) == 0:
        raise ValueError('eval_settings needs at least one setting')
    for item in settings:
        cfg = (dict(type='OcclusionMasker', setting=item)
               if isinstance(item, str) else dict(item))
        masker = build_masker(cfg)
        if not isinstance(masker, OcclusionMasker):
            raise TypeError(
                f'eval_settings entries must be setting names or '
                f'OcclusionMasker configs, got {item!r}')
        if masker.setting in maskers:
            raise ValueError(f"eval setting '{masker.setting}' is given "
                             'twice')
        maskers[masker.setting] = masker
    return maskers


class OcclusionEvaluation:
    """Mixin of the completion algorithms: seeded evaluation masks and the
    ``predict`` output :class:`~mpm.evaluation.CompletionMetric` reads.

    The algorithm sets ``eval_maskers`` (``nn.ModuleDict`` of
    :func:`build_eval_maskers`), ``eval_seed`` and ``mode`` (the task name,
    ``'2d_to_3d'`` / ``'3d_to_3d'``) and implements

    - ``completion_input(inputs, data_samples)``: the (B, T, J, C) window
      to complete;
    - ``predict_completion(x, mask)``: completed poses, metres, root at the
      origin;
    - ``output_frames(t, index)``: the frames of a (B, T, ...) tensor its
      predictions cover (``index``: (B,) output frame of each window).
    """

    def init_evaluation(self, settings: Sequence[Union[str, dict]],
                        seed: int) -> None:
        self.eval_maskers = nn.ModuleDict(build_eval_maskers(settings))
        self.eval_seed = int(seed)

    @property
    def eval_settings(self) -> List[str]:
        """Names of the settings ``predict`` evaluates, in order."""
        return list(self.eval_maskers)

    def eval_mask(self, x: torch.Tensor, setting: str,
                  metas: Optional[Sequence[dict]] = None) -> torch.Tensor:
        """The seeded evaluation mask of ``setting`` for a batch.

        Args:
            x: (B, T, J, C) poses. setting: a name of ``eval_settings``.
            metas: B per-sample meta dicts (seed keys); None or empty dicts
                fall back to the sample's position in the batch.

        Returns:
            (B, T, J) bool on ``x.device``.
        """
        if setting not in self.eval_maskers:
            raise KeyError(f"'{setting}' is not an eval setting of this "
                           f'model: {self.eval_settings}')
        metas = metas or [{}] * x.shape[0]
        seeds = [sample_seed(self.eval_seed, setting, m, i)
                 for i, m in enumerate(metas)]
        return self.eval_maskers[setting].seeded(x, seeds)

    @staticmethod
    def target_index(data_samples: Optional[dict],
                     x: torch.Tensor) -> torch.Tensor:
        """(B,) output frame of each window (``T // 2`` when not given)."""
        index = (data_samples or {}).get('target_index')
        if index is None:
            return torch.full((x.shape[0], ), x.shape[1] // 2,
                              dtype=torch.long, device=x.device)
        index = torch.as_tensor(index, device=x.device).long()
        return index.expand(x.shape[0]) if index.dim() == 0 else index

    def predict(self, inputs: Optional[torch.Tensor],
                data_samples: Optional[dict] = None) -> List[dict]:
        """A list of B dicts: ``pred_keypoints_3d_per_setting`` {setting:
        completed poses}, ``hidden_joints_per_setting`` {setting: (J,) or
        (T, J) bool}, ``gt_keypoints_3d``, ``completion_task`` and the
        sample's meta."""
        data_samples = data_samples or {}
        x = self.completion_input(inputs, data_samples)
        results = split_batch_meta(data_samples.get('meta'), x.shape[0])
        metas = [dict(r) for r in results]
        index = self.target_index(data_samples, x)
        gt = data_samples.get('keypoints_3d')
        if gt is not None:
            gt = self.output_frames(gt, index)
        preds, hidden = {}, {}
        for setting in self.eval_settings:
            mask = self.eval_mask(x, setting, metas)
            preds[setting] = self.predict_completion(x, mask).cpu()
            hidden[setting] = self.output_frames(mask, index).cpu()
        for i, result in enumerate(results):
            result['pred_keypoints_3d_per_setting'] = {
                s: p[i] for s, p in preds.items()}
            result['hidden_joints_per_setting'] = {
                s: h[i] for s, h in hidden.items()}
            result['completion_task'] = self.mode
            if gt is not None:
                result['gt_keypoints_3d'] = gt[i].cpu()
        return results
