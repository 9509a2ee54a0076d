"""Fixtures shared across test folders."""
import pytest


@pytest.fixture
def tiny_lifter():
    """Factory of a tiny STMO-style PoseLifter (17 joints) on CPU:
    ``tiny_lifter(frames=9, strides=(3, 3), dropout=0.0, flip_prob=0.0,
    init_cfg=None)``."""
    from mmengine.registry import init_default_scope

    from mpm.registry import MODELS

    def build(frames=9, strides=(3, 3), dropout=0.0, flip_prob=0.0,
              init_cfg=None):
        init_default_scope('mpm')
        return MODELS.build(dict(
            type='PoseLifter',
            data_preprocessor=dict(type='PoseDataPreprocessor',
                                   flip_prob=flip_prob),
            encoder=dict(type='PoseEncoder', num_joints=17, in_channels=2,
                         embed_dim=32, dropout=dropout),
            trunk=dict(type='PoseTrunk',
                       spatial=dict(type='SpatialMLP', in_dim=32, out_dim=16,
                                    dropout=dropout),
                       temporal=dict(type='TemporalTransformer',
                                     num_frames=frames, embed_dim=16,
                                     depth=1, num_heads=2, ffn_dim=32,
                                     dropout=dropout)),
            decoder=dict(type='StridedTransformerDecoder',
                         num_frames=frames, strides=list(strides),
                         embed_dim=16, ffn_dim=32, num_heads=2,
                         dropout=dropout,
                         head=dict(type='PoseRegressionHead', in_channels=16,
                                   num_joints=17)),
            seq_head=dict(type='PoseRegressionHead', in_channels=16,
                          num_joints=17),
            loss=dict(type='MPJPELoss'),
            init_cfg=init_cfg))

    return build


@pytest.fixture
def train_fixed_batch():
    """``train_fixed_batch(model, optim_wrapper, n=16, steps=40)``: train a
    9-frame lifter on one random batch of ``n`` windows (root-relative 3D),
    return the losses of every step."""
    import torch

    def run(model, optim_wrapper, n=16, steps=40):
        batch = dict(keypoints_2d=torch.randn(n, 9, 17, 2),
                     keypoints_3d=0.2 * torch.randn(n, 9, 17, 3),
                     target_index=torch.full((n, ), 4))
        batch['keypoints_3d'][:, :, 0] = 0
        return [model.train_step(batch, optim_wrapper)['loss'].item()
                for _ in range(steps)]

    return run
