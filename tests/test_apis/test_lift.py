"""Whole-video lifting (mpm.apis.lift) and detector file loading."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn

from mpm.apis import init_lifter, lift, load_keypoints
from mpm.apis.lift import receptive_field, window_indices

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMOKE = osp.join(ROOT, 'configs', 'demo', 'smoke.py')
W, H = 1000, 800
# Human3.6M-17 left/right swap, written out (not taken from mpm).
H36M_FLIP = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13]


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_lifter(SMOKE)   # 9-frame tiny PoseLifter, random weights


def sequence(T=12, seed=0):
    rng = np.random.default_rng(seed)
    kp = np.empty((T, 17, 3))
    kp[..., 0] = rng.uniform(200, 800, (T, 17))
    kp[..., 1] = rng.uniform(100, 700, (T, 17))
    kp[..., 2] = rng.uniform(0.5, 1.0, (T, 17))
    return kp


def normalise(px):
    """Reference normalisation: x / w * 2 - 1, y / w * 2 - h / w."""
    out = np.empty_like(px)
    out[..., 0] = px[..., 0] / W * 2 - 1
    out[..., 1] = px[..., 1] / W * 2 - H / W
    return out


def test_window_indices_by_hand():
    np.testing.assert_array_equal(
        window_indices(4, 5, 1),
        [[0, 0, 0, 1, 2], [0, 0, 1, 2, 3], [0, 1, 2, 3, 3],
         [1, 2, 3, 3, 3]])
    np.testing.assert_array_equal(window_indices(3, 3, 2),
                                  [[0, 0, 2], [0, 1, 2], [0, 2, 2]])


def test_shapes_root_and_state_restored(model):
    assert receptive_field(model) == 9
    out = lift(model, sequence(), (W, H), layout='h36m', batch_size=5)
    assert out.shape == (12, 17, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, 0], 0)
    assert np.abs(out[:, 1:]).max() > 0
    assert model.flip_test is True and not model.training


def test_matches_hand_built_windows(model):
    """Every frame = predict_pose on its edge-padded window, built here."""
    kp = sequence(T=6, seed=1)
    out = lift(model, kp, (W, H), layout='h36m', flip=False, batch_size=4)
    coords = normalise(kp[..., :2])
    model.flip_test = False
    try:
        for t in range(6):
            frames = [min(max(t + o, 0), 5) for o in range(-4, 5)]
            x = torch.tensor(coords[frames][None], dtype=torch.float32)
            ref = model.predict_pose(x)[0].numpy()
            np.testing.assert_allclose(out[t], ref, atol=1e-5)
    finally:
        model.flip_test = True


@pytest.mark.parametrize('dilation', [1, 2])
def test_edge_padding_equivalence(model, dilation):
    """Lifting a sequence = lifting it explicitly edge-padded, then
    cropping."""
    kp = sequence(T=7, seed=2)
    pad = 4 * dilation
    padded = np.pad(kp, ((pad, pad), (0, 0), (0, 0)), mode='edge')
    a = lift(model, kp, (W, H), layout='h36m', dilation=dilation)
    b = lift(model, padded, (W, H), layout='h36m', dilation=dilation)
    np.testing.assert_allclose(a, b[pad:-pad], atol=1e-5)


def test_flip_averaging(model):
    """flip=True = mean of the prediction and the mirrored prediction of the
    mirrored video (mirror in pixels: x -> W - x, left <-> right)."""
    kp = sequence(T=5, seed=3)
    mirrored = kp[:, H36M_FLIP].copy()
    mirrored[..., 0] = W - mirrored[..., 0]
    a = lift(model, kp, (W, H), layout='h36m', flip=False)
    b = lift(model, mirrored, (W, H), layout='h36m', flip=False)
    b = b[:, H36M_FLIP] * np.array([-1, 1, 1])
    both = lift(model, kp, (W, H), layout='h36m', flip=True)
    np.testing.assert_allclose(both, (a + b) / 2, atol=1e-5)
    assert np.abs(both - a).max() > 1e-4   # the flip did something


def test_coco_layout_is_converted(model):
    """COCO input = its hand-converted Human3.6M-17 input."""
    coco = np.random.default_rng(4).uniform(100, 700, (4, 17, 3))
    h36m = np.empty((4, 17, 3))
    h36m[..., 2] = 1
    hip = (coco[:, 11, :2] + coco[:, 12, :2]) / 2
    thorax = (coco[:, 5, :2] + coco[:, 6, :2]) / 2
    h36m[:, 0, :2] = hip
    h36m[:, 7, :2] = (hip + thorax) / 2
    h36m[:, 8, :2] = thorax
    h36m[:, 9, :2] = coco[:, 0, :2]
    h36m[:, 10, :2] = (coco[:, 1, :2] + coco[:, 2, :2]) / 2
    for h, c in zip([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16],
                    [12, 14, 16, 11, 13, 15, 5, 7, 9, 6, 8, 10]):
        h36m[:, h, :2] = coco[:, c, :2]
    np.testing.assert_allclose(lift(model, coco, (W, H), layout='coco'),
                               lift(model, h36m, (W, H), layout='h36m'),
                               atol=1e-5)


def test_low_scores_without_mask_path_warn_and_are_kept(model):
    kp = sequence(T=4, seed=5)
    kp[:, 13, 2] = 0.1
    with pytest.warns(UserWarning, match='4 of 68 joints'):
        out = lift(model, kp, (W, H), layout='h36m', score_threshold=0.3)
    np.testing.assert_array_equal(out, lift(model, kp, (W, H),
                                            layout='h36m'))


class CentreEcho(nn.Module):
    """A fake 3-frame 'lifter' with an input mask vector: its output is the
    window's centre frame (x, y, 0); no predict_pose, no flip_test."""

    num_frames = 3

    def __init__(self):
        super().__init__()
        self.mask_vector_2d = nn.Parameter(torch.tensor([0.5, -0.25]))

    def forward(self, x, mode='tensor'):
        centre = x[:, 1]
        return torch.cat([centre, torch.zeros_like(centre[..., :1])],
                         -1)[:, None]


def test_mask_vector_and_own_flip_for_models_without_predict_pose():
    echo = CentreEcho()
    kp = sequence(T=3, seed=6)
    kp[1, 5, 2] = 0.0   # L knee of frame 1 is low-confidence
    coords = normalise(kp[..., :2])
    out = lift(echo, kp, (W, H), layout='h36m', flip=False,
               score_threshold=0.3)
    expected = np.concatenate([coords, np.zeros((3, 17, 1))], -1)
    expected[1, 5, :2] = [0.5, -0.25]
    expected -= expected[:, :1]
    np.testing.assert_allclose(out, expected, atol=1e-6)
    # With flip: a mirrored echo mirrored back is the input again, except
    # at the hidden joint, whose x is averaged with its mirror: (v_x - v_x)/2.
    out = lift(echo, kp, (W, H), layout='h36m', flip=True,
               score_threshold=0.3)
    expected = np.concatenate([coords, np.zeros((3, 17, 1))], -1)
    expected[1, 5, :2] = [0.0, -0.25]
    expected -= expected[:, :1]
    np.testing.assert_allclose(out, expected, atol=1e-6)
    # No threshold: nothing hidden; the echo's flip average is the input.
    out = lift(echo, kp, (W, H), layout='h36m', flip=True)
    expected = np.concatenate([coords, np.zeros((3, 17, 1))], -1)
    np.testing.assert_allclose(out, expected - expected[:, :1], atol=1e-6)


def test_bad_image_size(model):
    with pytest.raises(ValueError, match='image_size'):
        lift(model, sequence(T=2), (0, 100), layout='h36m')


# --------------------------------------------------------------------------
# load_keypoints
# --------------------------------------------------------------------------

def test_load_coco_json_best_person_sorted(tmp_path):
    def person(value, score):
        return [value, value + 1, 0.5] * 17, score
    entries = []
    for image_id, persons in ((2, [(20, 0.9), (99, 0.1)]),
                              (0, [(77, 0.3), (0, 0.8)]), (1, [(10, 1.0)])):
        for value, score in persons:
            kp, s = person(value, score)
            entries.append(dict(image_id=image_id, keypoints=kp, score=s,
                                category_id=1))
    path = tmp_path / 'det.json'
    path.write_text(json.dumps(entries))
    kp = load_keypoints(path, 'coco')
    assert kp.shape == (3, 17, 3)
    np.testing.assert_array_equal(kp[:, 0], [[0, 1, 0.5], [10, 11, 0.5],
                                             [20, 21, 0.5]])


def test_load_json_string_ids_are_frame_numbers(tmp_path):
    """File-name ids (1-based, as ffmpeg writes them) give frames by their
    number: frames 3..9 have no detection and stay as NaN rows."""
    entries = [dict(image_id=name, keypoints=[i, 0, 1] * 26, score=1)
               for i, name in ((10, 'frame10.jpg'), (2, 'frame2.jpg'),
                               (1, 'frame1.jpg'))]
    path = tmp_path / 'halpe.json'
    path.write_text(json.dumps(entries))
    kp = load_keypoints(path, 'halpe', first_frame_id=1)
    assert kp.shape == (10, 26, 3)
    np.testing.assert_array_equal(kp[[0, 1, 9], 0, 0], [1, 2, 10])
    assert np.isnan(kp[2:9]).all()
    with pytest.warns(UserWarning, match='first-frame-id 1'):
        assert load_keypoints(path, 'halpe').shape == (11, 26, 3)


def test_load_json_ids_without_frame_numbers_natural_order(tmp_path):
    entries = [dict(image_id=name, keypoints=[i, 0, 1] * 17, score=1)
               for i, name in ((3, 'c.jpg'), (1, 'a.jpg'), (2, 'b.jpg'))]
    path = tmp_path / 'names.json'
    path.write_text(json.dumps(entries))
    with pytest.warns(UserWarning, match='no distinct frame numbers'):
        kp = load_keypoints(path)
    np.testing.assert_array_equal(kp[:, 0, 0], [1, 2, 3])
    # Two cameras' frame 0: the numbers are not distinct either.
    entries = [dict(image_id=f'cam{c}_0.jpg', keypoints=[c, 0, 1] * 17,
                    score=1) for c in (2, 1)]
    path.write_text(json.dumps(entries))
    with pytest.warns(UserWarning, match='no distinct frame numbers'):
        np.testing.assert_array_equal(load_keypoints(path)[:, 0, 0], [1, 2])


def test_load_npy_npz_and_errors(tmp_path):
    arr = np.random.default_rng(0).uniform(0, 1, (5, 17, 3))
    np.save(tmp_path / 'a.npy', arr)
    np.testing.assert_array_equal(load_keypoints(tmp_path / 'a.npy'), arr)
    np.savez(tmp_path / 'b.npz', keypoints=arr[..., :2], other=np.zeros(2))
    loaded = load_keypoints(tmp_path / 'b.npz', 'h36m')
    np.testing.assert_array_equal(loaded[..., :2], arr[..., :2])
    np.testing.assert_array_equal(loaded[..., 2], 1)
    np.savez(tmp_path / 'c.npz', a=arr, b=arr)
    with pytest.raises(KeyError, match="'keypoints'"):
        load_keypoints(tmp_path / 'c.npz')
    with pytest.raises(ValueError, match="'halpe' has 26"):
        load_keypoints(tmp_path / 'a.npy', 'halpe')
    with pytest.raises(FileNotFoundError):
        load_keypoints(tmp_path / 'missing.json')
    (tmp_path / 'd.txt').write_text('x')
    with pytest.raises(ValueError, match='unsupported'):
        load_keypoints(tmp_path / 'd.txt')
    (tmp_path / 'e.json').write_text(json.dumps([dict(image_id=0,
                                                      keypoints=[1, 2])]))
    with pytest.raises(ValueError, match='multiple of 3'):
        load_keypoints(tmp_path / 'e.json')


# --------------------------------------------------------------------------
# Degraded input: missing joints and frames
# --------------------------------------------------------------------------

def test_one_nan_does_not_spread(model):
    """A NaN coordinate is a missing joint, filled in time: every output
    frame stays finite and frames whose windows do not reach it are
    unchanged (before: NaN in every frame whose window held it)."""
    kp = sequence(T=30, seed=7)
    clean = lift(model, kp, (W, H), layout='h36m', flip=False)
    bad = kp.copy()
    bad[15, 5, 0] = np.nan
    with pytest.warns(UserWarning, match='1 of 510 joints are missing'):
        out = lift(model, bad, (W, H), layout='h36m', flip=False)
    assert np.isfinite(out).all()
    far = [t for t in range(30) if abs(t - 15) > 4]   # 9-frame windows
    np.testing.assert_array_equal(out[far], clean[far])


def test_missing_frames_stay_aligned_and_nan(model):
    kp = sequence(T=12, seed=8)
    kp[[3, 4]] = np.nan                   # no detection in frames 3, 4
    kp[6, 2] = np.nan                     # one joint missing in frame 6
    with pytest.warns(UserWarning, match='1 of 170 joints are missing .*'
                      '2 of 12 frames have no detection'):
        out = lift(model, kp, (W, H), layout='h36m')
    assert out.shape == (12, 17, 3)
    assert np.isnan(out[[3, 4]]).all()
    assert np.isfinite(np.delete(out, [3, 4], 0)).all()
    with pytest.raises(ValueError, match='found no person'):
        lift(model, np.full((5, 17, 3), np.nan), (W, H), layout='h36m')


def test_zero_and_null_joints_are_hidden_for_masked_models():
    """(0, 0) and NaN keypoints reach a model with an input mask vector as
    hidden joints (its mask vector), without any score threshold."""
    echo = CentreEcho()
    kp = sequence(T=3, seed=9)
    kp[1, 5] = 0.0                       # undetected: [0, 0, 0]
    kp[1, 12, 1] = np.nan                # a null coordinate
    out = lift(echo, kp, (W, H), layout='h36m', flip=False)
    coords = normalise(kp[..., :2])
    expected = np.concatenate([coords, np.zeros((3, 17, 1))], -1)
    expected[1, 5, :2] = [0.5, -0.25]
    expected[1, 12, :2] = [0.5, -0.25]
    expected -= expected[:, :1]
    np.testing.assert_allclose(out, expected, atol=1e-6)


class NextEcho(nn.Module):
    """A fake 3-frame lifter without an input mask vector: its output is
    the window's last frame t + 1 as (x, y, 0)."""

    num_frames = 3

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x, mode='tensor'):
        last = x[:, 2]
        return torch.cat([last, torch.zeros_like(last[..., :1])], -1)[:, None]


def test_gaps_are_filled_by_linear_interpolation_in_time():
    """What a model without a mask vector sees in a gap, by hand: frame 2
    (no detection) is the mean of frames 1 and 3; the right ankle, missing
    in frames 1 and 2, lies on the line from frame 0 to frame 3; the right
    wrist, never detected, is the mean of the frame's other joints."""
    kp = sequence(T=5, seed=10)
    kp[2, :, :2] = np.nan
    kp[1, 3, :2] = np.nan
    kp[:, 16, :2] = np.nan
    with pytest.warns(UserWarning, match='5 of 68 joints are missing.*'
                      '1 of 5 frames have no detection'):
        out = lift(NextEcho(), kp, (W, H), layout='h36m', flip=False)
    c = normalise(kp[..., :2])
    filled = c.copy()
    filled[2] = (c[1] + c[3]) / 2
    filled[1, 3] = c[0, 3] + (c[3, 3] - c[0, 3]) / 3
    filled[2, 3] = c[0, 3] + 2 * (c[3, 3] - c[0, 3]) / 3
    filled[:, 16] = filled[:, :16].mean(axis=1)
    expected = np.concatenate([filled, np.zeros((5, 17, 1))], -1)
    expected = expected[[1, 2, 3, 4, 4]]          # frame t sees t + 1
    expected -= expected[:, :1]
    assert np.isnan(out[2]).all()
    np.testing.assert_allclose(np.delete(out, 2, 0),
                               np.delete(expected, 2, 0), atol=1e-6)
