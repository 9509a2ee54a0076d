"""Video input: frames from a video file or a folder (OpenCV), the
MediaPipe backend on a real photograph, the MediaPipe-33 layout."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mpm.apis.video import open_frames
from mpm.datasets.keypoint_layouts import convert_keypoints

HAS_MEDIAPIPE = importlib.util.find_spec('mediapipe') is not None
HAS_SKIMAGE = importlib.util.find_spec('skimage') is not None


def write_video(path, frames, fps=20):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return str(path)


def test_video_file_and_folder(tmp_path):
    frames = [np.full((48, 64, 3), 40 * i, np.uint8) for i in range(5)]
    src = open_frames(write_video(tmp_path / 'v.mp4', frames, fps=20))
    assert src.image_size == (64, 48) and src.fps == pytest.approx(20)
    read = list(src)
    assert len(read) == 5 and read[0].shape == (48, 64, 3)
    # Lossy codec: grey levels come back within a few units, in order.
    np.testing.assert_allclose([f.mean() for f in read],
                               [0, 40, 80, 120, 160], atol=6)
    assert len(list(src)) == 5            # iterable again
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(frames):    # natural order: 2 before 10
        cv2.imwrite(str(folder / f'f{[0, 1, 2, 10, 11][i]}.png'), frame)
    (folder / 'notes.txt').write_text('not a frame')
    src = open_frames(str(folder), default_fps=12)
    assert src.fps == 12 and src.num_frames == 5
    assert [int(f.mean() + 0.5) for f in src] == [0, 40, 80, 120, 160]


def test_unreadable_inputs(tmp_path):
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'not a video at all' * 10)
    with pytest.raises(ValueError, match='could not be read as a video'):
        open_frames(str(bad))
    with pytest.raises(FileNotFoundError):
        open_frames(str(tmp_path / 'missing.mp4'))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='no image frames'):
        open_frames(str(empty))


def test_mediapipe_layout_by_hand():
    rng = np.random.default_rng(0)
    mp = np.concatenate([rng.uniform(0, 500, (2, 33, 2)),
                         rng.uniform(0.2, 1, (2, 33, 1))], -1)
    kp, scores = convert_keypoints(mp, 'mediapipe')
    assert kp.shape == (2, 17, 2)
    np.testing.assert_allclose(kp[:, 0], (mp[:, 23, :2] + mp[:, 24, :2]) / 2)
    np.testing.assert_allclose(kp[:, 3], mp[:, 28, :2])      # R ankle
    np.testing.assert_allclose(kp[:, 13], mp[:, 15, :2])     # L wrist
    np.testing.assert_allclose(kp[:, 10], (mp[:, 2, :2] + mp[:, 5, :2]) / 2)
    np.testing.assert_allclose(scores[:, 8], np.minimum(mp[:, 11, 2],
                                                        mp[:, 12, 2]))
    with pytest.raises(ValueError, match='33 keypoints'):
        convert_keypoints(mp[:, :17], 'mediapipe')


@pytest.mark.skipif(not (HAS_MEDIAPIPE and HAS_SKIMAGE),
                    reason="needs the video extra (pip install -e "
                    "'.[video]') and scikit-image (its astronaut photo)")
def test_mediapipe_finds_the_astronaut():
    """A real photograph shipped inside scikit-image: one person facing the
    camera, head and shoulders visible."""
    import skimage
    from mpm.apis.pose2d import MediaPipePose2D
    path = osp.join(osp.dirname(skimage.__file__), 'data', 'astronaut.png')
    image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    with MediaPipePose2D(static_image_mode=True) as detector:
        landmarks = detector(image)
        empty = detector(np.zeros_like(image))
    assert landmarks.shape == (33, 3) and np.isfinite(landmarks).all()
    assert np.isnan(empty).all()          # no person: all NaN
    kp, scores = convert_keypoints(landmarks[None], 'mediapipe')
    kp, scores = kp[0], scores[0]
    assert kp.shape == (17, 2)
    nose, l_sh, r_sh, thorax = kp[9], kp[11], kp[14], kp[8]
    h, w = image.shape[:2]
    for point in (nose, l_sh, r_sh):
        assert 0 <= point[0] < w and 0 <= point[1] < h
    assert scores[[9, 11, 14]].min() > 0.9
    # Facing the camera: her left shoulder is on the image's right.
    assert l_sh[0] > nose[0] > r_sh[0]
    assert nose[1] < thorax[1]            # the head is above the shoulders
    assert 100 < np.linalg.norm(l_sh - r_sh) < 300   # a 512-px portrait


@pytest.mark.skipif(HAS_MEDIAPIPE, reason='mediapipe is installed')
def test_missing_mediapipe_names_the_extra():
    from mpm.apis.pose2d import MediaPipePose2D
    with pytest.raises(ImportError, match=r"\.\[video\]"):
        MediaPipePose2D()


def test_no_leftover_files(tmp_path):
    # open_frames must not write anything next to the input.
    frames = [np.zeros((16, 16, 3), np.uint8)] * 3
    write_video(tmp_path / 'a.mp4', frames)
    list(open_frames(str(tmp_path / 'a.mp4')))
    assert os.listdir(tmp_path) == ['a.mp4']
