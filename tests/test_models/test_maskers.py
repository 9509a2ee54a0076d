"""Maskers: exact counts, tube/frame structure, per-sample draws, seeding."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mpm.models.maskers import (H36M_BODY_PARTS, H36M_LIMBS, BodyPartMasker,
                                NoMasker, RandomChoiceMasker, SpatialMasker,
                                SpatioTemporalMasker, TemporalMasker,
                                TimeWindowMasker, UnionMasker,
                                count_from_ratio)
from mpm.registry import MASKERS

DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


def poses(B=16, T=27, J=17, C=2, device='cpu'):
    return torch.zeros(B, T, J, C, device=device)


def test_count_from_ratio():
    assert count_from_ratio(0.6, 243) == 145  # PAPER_FACTS
    assert count_from_ratio(0.6, 27) == 16
    assert count_from_ratio(0.8, 81) == 64
    assert count_from_ratio(0.57, 100) == 57  # 0.57 * 100 = 56.999...
    assert count_from_ratio(0.0, 243) == 0


@pytest.mark.parametrize('device', DEVICES)
def test_spatial_masker_is_a_tube_with_exact_count(device):
    torch.manual_seed(0)
    mask = SpatialMasker(num_joints=4)(poses(device=device))
    assert mask.dtype == torch.bool and mask.shape == (16, 27, 17)
    assert mask.device.type == device
    mask = mask.cpu()
    # The same joints in every frame of a sample...
    assert torch.equal(mask, mask[:, :1].expand_as(mask))
    # ...exactly 4 of them...
    assert (mask.sum(-1) == 4).all()
    # ...and not the same joints for every sample.
    assert len({tuple(m[0].tolist()) for m in mask}) > 1


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('T,ratio,hidden', [(243, 0.6, 145), (27, 0.8, 21),
                                            (9, 0.5, 4)])
def test_temporal_masker_hides_whole_frames(device, T, ratio, hidden):
    torch.manual_seed(1)
    mask = TemporalMasker(frame_ratio=ratio)(poses(8, T, device=device))
    assert mask.device.type == device
    mask = mask.cpu()
    frame_all, frame_any = mask.all(-1), mask.any(-1)
    assert torch.equal(frame_all, frame_any)  # whole frames only
    assert (frame_all.sum(1) == hidden).all()
    assert len({tuple(m.tolist()) for m in frame_all}) > 1


@pytest.mark.parametrize('device', DEVICES)
def test_spatio_temporal_masker_mpm_default(device):
    """5 joints per visible frame + 145 of 243 whole frames per sample."""
    torch.manual_seed(2)
    masker = MASKERS.build(dict(type='SpatioTemporalMasker'))
    assert (masker.num_joints, masker.frame_ratio) == (5, 0.6)
    mask = masker(poses(6, 243, device=device))
    assert mask.device.type == device and mask.dtype == torch.bool
    mask = mask.cpu()
    per_frame = mask.sum(-1)  # (B, T)
    whole = per_frame == 17
    assert (whole.sum(1) == 145).all()
    assert ((per_frame == 5) | whole).all()
    # 145 * 17 + 98 * 5 = 2955 of 4131 entries (71.5%; paper: 71.8% = 0.6 +
    # 0.4 * 5 / 17 before rounding the frame count).
    assert (mask.flatten(1).sum(1) == 2955).all()
    # Joints are drawn independently per frame: the visible frames of one
    # sample do not all hide the same joints.
    rows = {tuple(r.tolist()) for r in mask[0][~whole[0]]}
    assert len(rows) > 10


def test_spatio_temporal_masker_is_uniform():
    """Each joint of a visible frame is hidden with probability 5/17, each
    frame with probability 145/243 (binomial, 5 sigma)."""
    torch.manual_seed(3)
    mask = SpatioTemporalMasker(5, 0.6)(poses(400, 243))
    whole = mask.all(-1)  # (B, T)
    p = 145 / 243
    frame_freq = whole.float().mean(0).numpy()  # per frame position
    sigma = np.sqrt(p * (1 - p) / 400)
    assert np.abs(frame_freq - p).max() < 5 * sigma
    visible_rows = mask[~whole]  # (N, 17)
    joint_freq = visible_rows.float().mean(0).numpy()
    q = 5 / 17
    sigma = np.sqrt(q * (1 - q) / visible_rows.shape[0])
    assert np.abs(joint_freq - q).max() < 5 * sigma


@pytest.mark.parametrize('cfg', [
    dict(type='SpatialMasker', num_joints=3),
    dict(type='TemporalMasker', frame_ratio=0.5),
    dict(type='SpatioTemporalMasker', num_joints=5, frame_ratio=0.6),
    dict(type='BodyPartMasker'),
    dict(type='BodyPartMasker', num_parts=2),
    dict(type='TimeWindowMasker', frame_ratio=0.4),
    dict(type='RandomChoiceMasker', maskers=[
        dict(type='TemporalMasker', frame_ratio=0.5),
        dict(type='SpatialMasker', num_joints=2)]),
])
def test_seed_reproduces_masks_and_samples_differ(cfg):
    masker = MASKERS.build(cfg)
    torch.manual_seed(7)
    a = masker(poses(32))
    torch.manual_seed(7)
    b = masker(poses(32))
    torch.manual_seed(8)
    c = masker(poses(32))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert len({tuple(m.flatten().tolist()) for m in a}) > 1


def test_body_part_masker_hides_one_limb_everywhere():
    parts = [(1, 2, 3), (4, 5, 6), (11, 12, 13), (14, 15, 16)]
    torch.manual_seed(4)
    mask = BodyPartMasker(parts=parts)(poses(64, 9))
    assert torch.equal(mask, mask[:, :1].expand_as(mask))
    hidden_sets = {tuple(np.flatnonzero(m[0].numpy())) for m in mask}
    assert hidden_sets == set(parts)  # each part drawn, nothing else


def test_union_masker_is_logical_or():
    maskers = [dict(type='TemporalMasker', frame_ratio=0.3),
               dict(type='BodyPartMasker')]
    union = UnionMasker(maskers)
    torch.manual_seed(5)
    got = union(poses(8, 20))
    torch.manual_seed(5)
    first = union.maskers[0](poses(8, 20))
    second = union.maskers[1](poses(8, 20))
    assert torch.equal(got, first | second)
    # Hand check of one sample: hidden frames are whole, plus one limb.
    frames = first[0].all(-1)
    assert (got[0][frames]).all()
    assert torch.equal(got[0][~frames], second[0][~frames])


def test_random_choice_masker_picks_per_sample():
    choice = RandomChoiceMasker([dict(type='TemporalMasker', frame_ratio=0.5),
                                 dict(type='SpatialMasker', num_joints=3)])
    torch.manual_seed(6)
    mask = choice(poses(64, 10))
    temporal = (mask.all(-1) == mask.any(-1)).all(1) & (mask.all(-1).sum(1)
                                                         == 5)
    tube = (mask == mask[:, :1]).all(2).all(1) & (mask[:, 0].sum(1) == 3)
    assert (temporal ^ tube).all()  # every sample is exactly one of them
    assert 10 < temporal.sum() < 54  # both are drawn (p = 0.5, n = 64)
    only_first = RandomChoiceMasker([dict(type='NoMasker'),
                                     dict(type='SpatialMasker')],
                                    probs=[1.0, 0.0])
    assert not only_first(poses(8)).any()


def test_no_masker():
    assert not NoMasker()(poses()).any()


@pytest.mark.parametrize('build,match', [
    (lambda: SpatialMasker(18)(poses()), 'only 17'),
    (lambda: SpatioTemporalMasker(20, 0.5)(poses()), 'only 17'),
    (lambda: TemporalMasker(1.0), r'\[0, 1\)'),
    (lambda: SpatioTemporalMasker(5, -0.1), r'\[0, 1\)'),
    (lambda: SpatialMasker(3)(torch.zeros(4, 9, 17)), r'\(B, T, J, C\)'),
    (lambda: BodyPartMasker(parts=[(1, 20)])(poses()), 'out of range'),
    (lambda: BodyPartMasker([(1, 2)]), 'num_parts must be an int'),
    (lambda: BodyPartMasker(num_parts=6), r'1\.\.5'),
    (lambda: BodyPartMasker(num_parts=0), r'1\.\.5'),
    (lambda: TimeWindowMasker(1.0), r'\[0, 1\)'),
    (lambda: RandomChoiceMasker([dict(type='NoMasker')], probs=[0.5, 0.5]),
     'one per masker'),
])
def test_bad_settings_fail_clearly(build, match):
    init_default_scope('mpm')
    with pytest.raises(ValueError, match=match):
        build()


# ------------------------------------------------- ActionPose's maskers


def test_h36m_body_parts_partition_the_skeleton():
    joints = sorted(j for p in H36M_BODY_PARTS.values() for j in p)
    assert joints == list(range(17))
    assert set(H36M_BODY_PARTS) == {'left_arm', 'right_arm', 'left_leg',
                                    'right_leg', 'torso_head'}
    assert H36M_LIMBS == ((1, 2, 3), (4, 5, 6), (11, 12, 13), (14, 15, 16))


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('num_parts', [1, 2, 3, 5])
def test_body_part_masker_hides_whole_parts_constant_over_time(
        device, num_parts):
    torch.manual_seed(10 + num_parts)
    masker = BodyPartMasker(num_parts=num_parts)
    mask = masker(poses(256, 11, device=device))
    assert mask.device.type == device and mask.dtype == torch.bool
    mask = mask.cpu()
    assert torch.equal(mask, mask[:, :1].expand_as(mask))  # same every frame
    parts = [set(p) for p in H36M_BODY_PARTS.values()]
    seen = set()
    for m in mask[:, 0]:
        hidden = set(np.flatnonzero(m.numpy()).tolist())
        # exactly num_parts distinct parts, each entirely hidden or visible
        whole = [p for p in parts if p <= hidden]
        assert len(whole) == num_parts
        assert set().union(*whole) == hidden
        seen.add(frozenset(hidden))
    # every combination of num_parts parts is drawn (C(5, k) <= 10 of 256)
    expected = {1: 5, 2: 10, 3: 10, 5: 1}[num_parts]
    assert len(seen) == expected


def test_body_part_masker_is_uniform_over_parts():
    """Each part is hidden with probability num_parts / 5 (5 sigma)."""
    torch.manual_seed(11)
    mask = BodyPartMasker(num_parts=2)(poses(2000, 2))[:, 0]
    freq = np.array([mask[:, list(p)].all(1).float().mean().item()
                     for p in H36M_BODY_PARTS.values()])
    sigma = np.sqrt(0.4 * 0.6 / 2000)
    assert np.abs(freq - 0.4).max() < 5 * sigma


def test_body_part_masker_named_parts():
    masker = BodyPartMasker(parts={'legs': (1, 2, 3, 4, 5, 6)})
    assert masker.part_names == ['legs']
    mask = masker(poses(3, 4))
    assert mask[:, :, 1:7].all() and mask.sum() == 3 * 4 * 6


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('T,ratio,width', [(27, 0.5, 13), (243, 0.3, 72),
                                           (10, 0.95, 9), (9, 0.0, 0)])
def test_time_window_masker_hides_one_contiguous_window(device, T, ratio,
                                                        width):
    torch.manual_seed(12)
    mask = TimeWindowMasker(frame_ratio=ratio)(poses(300, T, device=device))
    assert mask.device.type == device and mask.shape == (300, T, 17)
    mask = mask.cpu()
    frames = mask.all(-1)
    assert torch.equal(frames, mask.any(-1))  # whole frames only
    starts = set()
    for row in frames.numpy():
        hidden = np.flatnonzero(row)
        assert len(hidden) == width
        if width:
            # one window: consecutive indices [s, s + width)
            assert np.array_equal(hidden, np.arange(hidden[0],
                                                    hidden[0] + width))
            starts.add(int(hidden[0]))
    if width:
        # starts lie in 0..T-W; with few possible starts, all are drawn
        assert starts <= set(range(T - width + 1))
        if T - width + 1 <= 20:
            assert starts == set(range(T - width + 1))
        else:
            assert len(starts) > 50
