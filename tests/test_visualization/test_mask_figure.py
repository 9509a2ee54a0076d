"""The masking-strategy figure (MPM Figure B)."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mpm.models.maskers import H36M_LIMBS
from mpm.visualization import mask_strategies_figure, sample_masks


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def test_figure_is_written_with_the_three_strategies(tmp_path):
    out = tmp_path / 'sub' / 'masks.png'
    state = torch.get_rng_state()
    masks = mask_strategies_figure(str(out), num_frames=27, num_show=4,
                                   dpi=40)
    assert torch.equal(state, torch.get_rng_state())  # global RNG untouched
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    import matplotlib.image
    image = matplotlib.image.imread(str(out))
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert list(masks) == ['spatial', 'temporal', 'spatio-temporal']
    spatial, temporal, st = (masks[k] for k in masks)
    assert spatial.shape == (27, 17) and spatial.dtype == bool
    assert (spatial == spatial[:1]).all() and spatial[0].sum() == 12
    assert (temporal.all(1) == temporal.any(1)).all()
    assert temporal.all(1).sum() == int(0.718 * 27)  # 19
    per_frame = st.sum(1)
    assert (per_frame == 17).sum() == 16 and set(per_frame) == {5, 17}


def test_same_seed_same_masks_and_custom_maskers(tmp_path):
    # One of the four limbs (3 joints each) per sample, in every frame.
    cfg = {'limbs': dict(type='BodyPartMasker', parts=H36M_LIMBS)}
    a = sample_masks(cfg, num_frames=9, seed=3)['limbs']
    b = sample_masks(cfg, num_frames=9, seed=3)['limbs']
    assert np.array_equal(a, b)
    poses = np.zeros((9, 17, 2))
    masks = mask_strategies_figure(str(tmp_path / 'limbs.png'), cfg,
                                   num_frames=9, poses=poses, dpi=30)
    assert masks['limbs'].sum() == 9 * 3
    with pytest.raises(ValueError, match='poses must have shape'):
        mask_strategies_figure(str(tmp_path / 'bad.png'), cfg, num_frames=9,
                               poses=np.zeros((8, 17, 2)))
