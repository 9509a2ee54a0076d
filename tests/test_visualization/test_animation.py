"""Skeleton drawing, 2D + 3D animation (GIF / MP4 fallback) and the GT vs
prediction figure."""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mpm.visualization import (draw_pose_2d, draw_pose_3d, render_animation,
                               render_comparison)
from mpm.visualization.skeleton_drawing import bone_colors, camera_to_plot

PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]


def poses(T=3, seed=0):
    rng = np.random.default_rng(seed)
    kp2d = rng.uniform(100, 500, (T, 17, 2))
    kp3d = rng.uniform(-0.8, 0.8, (T, 17, 3))
    kp3d -= kp3d[:, :1]
    return kp2d, kp3d


def test_camera_to_plot_is_x_depth_up():
    np.testing.assert_array_equal(camera_to_plot(np.array([[1., 2., 3.]])),
                                  [[1., 3., -2.]])


def test_lines_follow_the_bones_and_move():
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 2, 1)
    a, b = poses(T=2)[0]
    lines = draw_pose_2d(ax, a)
    assert len(lines) == 16 and ax.yaxis_inverted()
    bones = [(p, c) for c, p in enumerate(PARENTS) if p >= 0]
    for line, (p, c) in zip(lines, bones):
        np.testing.assert_array_equal(line.get_xdata(), a[[p, c], 0])
    draw_pose_2d(ax, b, lines=lines)
    np.testing.assert_array_equal(lines[3].get_ydata(),
                                  b[[bones[3][0], bones[3][1]], 1])
    # left side blue, right side red, centre black (L hip = joint 4)
    colors = bone_colors()
    assert colors[3] == colors[4] != colors[0] != colors[6]
    ax3 = fig.add_subplot(1, 2, 2, projection='3d')
    pose = poses()[1][0]
    lines3 = draw_pose_3d(ax3, pose)
    xs, ys, zs = lines3[0].get_data_3d()
    np.testing.assert_allclose(xs, pose[[0, 1], 0])
    np.testing.assert_allclose(ys, pose[[0, 1], 2])
    np.testing.assert_allclose(zs, -pose[[0, 1], 1])
    with pytest.raises(ValueError, match=r'\(17, 3\)'):
        draw_pose_3d(ax3, pose[:5])


def test_gif_has_one_frame_per_pose(tmp_path):
    kp2d, kp3d = poses(T=3)
    out = render_animation(kp2d, kp3d, str(tmp_path / 'sub' / 'a.gif'),
                           fps=10, image_size=(640, 480), dpi=40)
    assert out.endswith('a.gif')
    with Image.open(out) as im:
        assert im.n_frames == 3
        assert im.size == (8 * 40, 4 * 40)
        im.seek(0)
        first = np.asarray(im.convert('RGB')).copy()
        im.seek(2)
        last = np.asarray(im.convert('RGB'))
    assert (first != last).any()   # the skeletons moved


def test_mp4_without_ffmpeg_falls_back_to_gif(tmp_path, monkeypatch):
    import mpm.visualization.animation as animation
    monkeypatch.setattr(animation.shutil, 'which', lambda name: None)
    kp2d, kp3d = poses(T=2)
    with pytest.warns(UserWarning, match='ffmpeg'):
        out = render_animation(kp2d, kp3d, str(tmp_path / 'a.mp4'), dpi=30)
    assert out == str(tmp_path / 'a.gif')
    assert Image.open(out).n_frames == 2


def test_animation_input_checks(tmp_path):
    kp2d, kp3d = poses(T=3)
    with pytest.raises(ValueError, match='poses_3d'):
        render_animation(kp2d, kp3d[:2], str(tmp_path / 'a.gif'))
    with pytest.raises(ValueError, match='.gif or .mp4'):
        render_animation(kp2d, kp3d, str(tmp_path / 'a.avi'))


def test_comparison_png_with_both_colours(tmp_path):
    kp2d, kp3d = poses(T=2)
    out = render_comparison(kp3d, kp3d + 0.01, str(tmp_path / 'c.png'),
                            keypoints_2d=kp2d, title='S9 Walking', dpi=40)
    image = np.asarray(Image.open(out).convert('RGB')).astype(int)
    assert image.shape[:2] == (256, 384)   # 2 x 3 panels of 3.2 in, 40 dpi
    red = (image[..., 0] > 180) & (image[..., 1] < 90) & (image[..., 2] < 90)
    blue = (image[..., 2] > 150) & (image[..., 0] < 80)
    assert red.sum() > 20 and blue.sum() > 20
    with pytest.raises(ValueError, match='gt_3d and pred_3d'):
        render_comparison(kp3d, kp3d[:1], str(tmp_path / 'd.png'))


def test_frames_without_person_on_a_dark_video_keep_their_place(tmp_path):
    """Black video frames and NaN poses (no detection) in frames 1 and 2:
    the frame number stays readable, so the GIF keeps one frame per video
    frame (identical frames would be merged by the GIF writer)."""
    kp2d, kp3d = poses(T=4)
    kp2d[1:3] = np.nan
    kp3d[1:3] = np.nan
    frames = [np.zeros((48, 64, 3), np.uint8)] * 4
    out = render_animation(kp2d, kp3d, str(tmp_path / 'dark.gif'), fps=10,
                           image_size=(64, 48), dpi=40, frames=frames)
    with Image.open(out) as im:
        assert im.n_frames == 4
