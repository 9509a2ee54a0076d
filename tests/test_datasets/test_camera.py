"""Tests of mpm.datasets.camera against hand-computed values."""
import numpy as np
import pytest

from mpm.datasets.camera import (Camera, camera_to_world, denormalize_screen,
                                 h36m_cameras, normalize_screen,
                                 project_to_pixels, quaternion_to_matrix,
                                 world_to_camera)

C45 = np.sqrt(0.5)


@pytest.mark.parametrize('q, expected', [
    # 90 degrees about z: x -> y, y -> -x.
    ([C45, 0, 0, C45], [[0, -1, 0], [1, 0, 0], [0, 0, 1]]),
    # 90 degrees about x: y -> z, z -> -y.
    ([C45, C45, 0, 0], [[1, 0, 0], [0, 0, -1], [0, 1, 0]]),
    # 180 degrees about y: x -> -x, z -> -z.
    ([0, 0, 1, 0], [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]),
    ([1, 0, 0, 0], np.eye(3)),
])
def test_quaternion_to_matrix_hand_cases(q, expected):
    np.testing.assert_allclose(quaternion_to_matrix(q), expected, atol=1e-15)
    # A non-unit quaternion describes the same rotation.
    np.testing.assert_allclose(quaternion_to_matrix(np.array(q) * 3.0),
                               expected, atol=1e-15)


def test_quaternion_rotates_x_axis_onto_y():
    r = quaternion_to_matrix([C45, 0, 0, C45])
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-15)


def test_table_rotations_match_axis_angle_reference(camera_table,
                                                    quat_to_rot):
    cams = h36m_cameras()
    for subject, extrinsics in camera_table['extrinsics'].items():
        for cam, ext in zip(cams[subject], extrinsics):
            ref = quat_to_rot(ext['orientation'])
            np.testing.assert_allclose(cam.rotation, ref, atol=1e-12)
            np.testing.assert_allclose(cam.rotation.T @ cam.rotation,
                                       np.eye(3), atol=1e-12)
            assert np.linalg.det(cam.rotation) == pytest.approx(1, abs=1e-12)
            np.testing.assert_allclose(
                cam.translation, np.array(ext['translation']) / 1000)


def test_camera_table_contents():
    cams = h36m_cameras()
    assert set(cams) == {'S1', 'S5', 'S6', 'S7', 'S8', 'S9', 'S11'}
    for subject, four in cams.items():
        assert [c.id for c in four] == [
            '54138969', '55011271', '58860488', '60457274']
        assert [(c.res_w, c.res_h) for c in four] == [
            (1000, 1002), (1000, 1000), (1000, 1000), (1000, 1002)]
        for cam in four:
            # The capture volume (world origin) lies in front of the camera,
            # a few metres away.
            origin = world_to_camera(np.zeros(3), cam)
            assert origin[2] > 0
            assert 3 < np.linalg.norm(cam.translation) < 8


def test_world_to_camera_geometry():
    cam = h36m_cameras()['S9'][2]
    r, t = cam.rotation, cam.translation
    # The camera centre is the camera-frame origin.
    np.testing.assert_allclose(world_to_camera(t, cam), 0, atol=1e-12)
    # A point d metres along the optical axis (camera z axis = R e_z in
    # world) is (0, 0, d); along the camera x axis, (a, 0, 0).
    np.testing.assert_allclose(world_to_camera(t + 4.2 * r[:, 2], cam),
                               [0, 0, 4.2], atol=1e-12)
    np.testing.assert_allclose(world_to_camera(t - 0.7 * r[:, 0], cam),
                               [-0.7, 0, 0], atol=1e-12)
    pts = np.random.default_rng(0).normal(size=(2, 5, 17, 3))
    np.testing.assert_allclose(
        camera_to_world(world_to_camera(pts, cam), cam), pts, atol=1e-12)


def test_projection_without_distortion_by_hand():
    cam = h36m_cameras()['S1'][0]
    px = project_to_pixels(np.array([0.3, -0.2, 5.0]), cam, distort=False)
    # u = fx * 0.3 / 5 + cx = 1145.0494384765625 * 0.06 + 512.54150390625
    # v = fy * -0.2 / 5 + cy = 1143.7811279296875 * -0.04 + 515.4514770507812
    np.testing.assert_allclose(px, [581.24447021484375, 469.7002319335937],
                               rtol=0, atol=1e-9)
    batch = np.tile([0.3, -0.2, 5.0], (2, 3, 17, 1))
    assert project_to_pixels(batch, cam, distort=False).shape == (2, 3, 17, 2)


def _toy_camera(radial=(0, 0, 0), tangential=(0, 0)):
    return Camera(id='toy', rotation=np.eye(3), translation=np.zeros(3),
                  focal_length=np.array([1000.0, 1000.0]),
                  center=np.array([500.0, 500.0]),
                  radial=np.array(radial, float),
                  tangential=np.array(tangential, float), res_w=1000,
                  res_h=1000)


@pytest.mark.parametrize('cam, point, expected', [
    # k1 = 0.1: x = 0.5, r^2 = 0.25, x * (1 + 0.025) = 0.5125.
    (_toy_camera(radial=(0.1, 0, 0)), [0.5, 0, 1], [1012.5, 500]),
    # p1 = 0.01: x + 2 p1 x y = 0.2004, y + p1 (r^2 + 2 y^2) = 0.1007.
    (_toy_camera(tangential=(0.01, 0)), [0.2, 0.1, 1], [700.4, 600.7]),
    # p2 = 0.01: x + p2 (r^2 + 2 x^2) = 0.2013, y + 2 p2 x y = 0.1004.
    (_toy_camera(tangential=(0, 0.01)), [0.2, 0.1, 1], [701.3, 600.4]),
    # k3 = 1: x = 0.5 at depth 2 -> 0.25, r^6 = 0.25^6, x (1 + r^6).
    (_toy_camera(radial=(0, 0, 1.0)), [0.5, 0, 2],
     [500 + 1000 * 0.25 * (1 + 0.25**6), 500]),
])
def test_projection_with_distortion_by_hand(cam, point, expected):
    np.testing.assert_allclose(project_to_pixels(np.array(point), cam),
                               expected, rtol=0, atol=1e-9)


def test_optical_axis_projects_to_principal_point_with_distortion():
    cam = h36m_cameras()['S11'][3]
    np.testing.assert_allclose(
        project_to_pixels(np.array([0, 0, 3.0]), cam), cam.center, atol=1e-12)


@pytest.mark.parametrize('px, w, h, expected', [
    ([0, 0], 1000, 1002, [-1, -1.002]),
    ([500, 501], 1000, 1002, [0, 0]),
    ([1000, 1002], 1000, 1002, [1, 1.002]),
    ([250, 750], 1000, 1000, [-0.5, 0.5]),
    ([1024, 0], 2048, 2048, [0, -1]),
])
def test_normalize_screen_by_hand(px, w, h, expected):
    np.testing.assert_allclose(
        normalize_screen(np.array(px, np.float64), w, h), expected,
        atol=1e-12)


def test_normalize_denormalize_round_trip():
    px = np.random.default_rng(1).uniform(0, 1000, size=(4, 17, 2))
    for w, h in [(1000, 1002), (1920, 1080)]:
        coords = normalize_screen(px, w, h)
        np.testing.assert_allclose(denormalize_screen(coords, w, h), px,
                                   atol=1e-9)
    assert normalize_screen(px.astype(np.float32), 1000, 1002).dtype == \
        np.float32
