"""Detector files with track ids, frame alignment and bad inputs."""
import json

import numpy as np
import pytest

from mpm.apis import load_keypoints, load_tracks


def entry(image_id, value, score=0.9, K=17, **extra):
    return dict(image_id=image_id, keypoints=[value, value + 1, 0.8] * K,
                score=score, category_id=1, **extra)


def write(tmp_path, entries, name='det.json'):
    path = tmp_path / name
    path.write_text(json.dumps(entries))
    return path


@pytest.mark.parametrize('field', ['track_id', 'idx'])
def test_tracks_from_json(tmp_path, field):
    entries = [entry(0, 10, **{field: 7}), entry(1, 11, **{field: 7}),
               entry(3, 13, **{field: 7}),
               entry(1, 51, **{field: 2}), entry(2, 52, **{field: 2}),
               entry(2, 99, score=0.1, **{field: 2})]   # worse duplicate
    tracks = load_tracks(write(tmp_path, entries))
    assert tracks.tracked and list(tracks.keypoints) == ['2', '7']
    assert tracks.num_frames == 4
    a, b = tracks.keypoints['7'], tracks.keypoints['2']
    assert a.shape == b.shape == (4, 17, 3)
    np.testing.assert_array_equal(a[[0, 1, 3], 0, 0], [10, 11, 13])
    assert np.isnan(a[2]).all()                 # absent in frame 2
    np.testing.assert_array_equal(b[[1, 2], 0, 0], [51, 52])
    assert np.isnan(b[[0, 3]]).all()


def test_array_of_tracks(tmp_path):
    arr = np.random.default_rng(0).uniform(1, 9, (3, 5, 26, 3))
    np.save(tmp_path / 'p.npy', arr)
    tracks = load_tracks(tmp_path / 'p.npy', 'halpe')
    assert tracks.tracked and list(tracks.keypoints) == ['0', '1', '2']
    np.testing.assert_array_equal(tracks.keypoints['1'], arr[1])
    with pytest.raises(ValueError, match='3 tracks'):
        load_keypoints(tmp_path / 'p.npy', 'halpe')


def test_missing_image_ids_keep_frame_alignment(tmp_path):
    """Frames 2 and 3 have no detection: the output still has a row for
    every frame (today's loader returned 4 rows for 6 frames)."""
    entries = [entry(i, 10 * i) for i in (0, 1, 4, 5)]
    kp = load_keypoints(write(tmp_path, entries))
    assert kp.shape == (6, 17, 3)
    np.testing.assert_array_equal(kp[[0, 1, 4, 5], 0, 0], [0, 10, 40, 50])
    assert np.isnan(kp[[2, 3]]).all()
    # 1-based ids: --first-frame-id 1.
    entries = [entry(i, i) for i in (1, 2, 3)]
    assert load_keypoints(write(tmp_path, entries),
                          first_frame_id=1).shape == (3, 17, 3)
    with pytest.warns(UserWarning, match='first-frame-id 1'):
        assert load_keypoints(write(tmp_path, entries)).shape == (4, 17, 3)
    with pytest.raises(ValueError, match='below the first frame id'):
        load_keypoints(write(tmp_path, entries), first_frame_id=2)


def test_null_coordinates_are_read_as_nan(tmp_path):
    e = entry(0, 5)
    e['keypoints'][3] = None
    e['keypoints'][4] = None
    kp = load_keypoints(write(tmp_path, [e, entry(1, 6)]))
    assert np.isnan(kp[0, 1, :2]).all() and kp[0, 0, 0] == 5


def test_track_field_errors(tmp_path):
    entries = [entry(0, 1, track_id=1), entry(1, 2, track_id=1)]
    path = write(tmp_path, entries)
    with pytest.raises(ValueError, match="unknown track field 'person'"):
        load_tracks(path, track_field='person')
    partial = write(tmp_path, entries + [entry(2, 3)], 'partial.json')
    with pytest.raises(ValueError, match="1 of 3 entries .* no 'track_id'"):
        load_tracks(partial)
    bad = write(tmp_path, [entry(0, 1, track_id=[1, 2])], 'bad.json')
    with pytest.raises(ValueError, match='integer or a string'):
        load_tracks(bad)
    # track_field=None: the best detection per image, one person.
    assert not load_tracks(partial, track_field=None).tracked


def test_wrong_keypoint_count(tmp_path):
    path = write(tmp_path, [entry(0, 1, K=26)])
    with pytest.raises(ValueError, match="layout 'coco' has 17 keypoints "
                       r".*fits layout 'halpe'"):
        load_tracks(path, 'coco')
    np.save(tmp_path / 'x.npy', np.zeros((2, 3, 4, 5, 3)))
    with pytest.raises(ValueError, match=r'\(P, T, K, 3\)'):
        load_tracks(tmp_path / 'x.npy')
