"""tools/misc/photo_clip.py: a pan-and-zoom clip of one photograph with
black frames."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

from mpm.apis.video import open_frames

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_clip_tool():
    spec = importlib.util.spec_from_file_location(
        'mpm_tools_photo_clip', osp.join(ROOT, 'tools', 'misc',
                                         'photo_clip.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_clip_frames_size_and_black_frames(tmp_path, capsys):
    photo = np.zeros((200, 300, 3), np.uint8)
    photo[:, :150] = (0, 0, 255)       # red left half, green right half
    photo[:, 150:] = (0, 255, 0)
    cv2.imwrite(str(tmp_path / 'photo.png'), photo)
    out = load_clip_tool().main([
        '--image', str(tmp_path / 'photo.png'), '--out',
        str(tmp_path / 'clip.mp4'), '--frames', '8', '--size', '64', '48',
        '--fps', '12', '--blank', '3', '5'])
    assert 'frames 3..4 black' in capsys.readouterr().out
    src = open_frames(out)
    frames = list(src)
    assert src.image_size == (64, 48) and src.fps == pytest.approx(12)
    assert len(frames) == 8
    means = np.array([f.mean() for f in frames])
    assert (means[[3, 4]] < 3).all() and (np.delete(means, [3, 4]) > 40).all()
    # The photograph, not a blank: red on the left, green on the right.
    first = frames[0].astype(float)
    assert first[:, :10, 0].mean() > 200 and first[:, -10:, 1].mean() > 200


def test_unreadable_photo_is_a_clear_error(tmp_path):
    (tmp_path / 'x.png').write_text('not an image')
    with pytest.raises(SystemExit, match='could not be read as an image'):
        load_clip_tool().main(['--image', str(tmp_path / 'x.png'), '--out',
                               str(tmp_path / 'c.mp4')])
