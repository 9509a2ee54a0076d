"""Shared fixtures: tiny Human3.6M files in the exact VideoPose3D layout."""
import json
import os.path as osp

import numpy as np
import pytest

import mpm.datasets.camera as camera_module

FILE_3D = 'data_3d_h36m.npz'
FILE_2D = 'data_2d_h36m_cpn_ft_h36m_dbb.npz'

#: subject -> sequence -> number of 3D frames of the default tiny set.
LENGTHS = {
    'S1': {'Walking': 9, 'Walking 1': 6, 'Directions 1': 5},
    'S5': {'Eating': 4, 'Walking': 7},
}
#: 2D arrays longer than the 3D ones by this many frames (VideoPose3D quirk).
EXTRA_2D = {('S1', 'Walking'): 3, ('S5', 'Eating'): 1}


def make_h36m_arrays(lengths=LENGTHS, extra_2d=EXTRA_2D, seed=0):
    """Random (N, 32, 3) world metres and 4 x (N', 17, 2) pixel arrays."""
    rng = np.random.default_rng(seed)
    pos3d, pos2d = {}, {}
    for subject, seqs in lengths.items():
        pos3d[subject], pos2d[subject] = {}, {}
        for seq, n in seqs.items():
            pos3d[subject][seq] = rng.uniform(
                [-1, -1, 0], [1, 1, 2], size=(n, 32, 3)).astype(np.float32)
            m = n + extra_2d.get((subject, seq), 0)
            pos2d[subject][seq] = [
                rng.uniform(0, 1000, size=(m, 17, 2)).astype(np.float32)
                for _ in range(4)
            ]
    return pos3d, pos2d


def write_h36m_files(root, pos3d, pos2d, file_3d=FILE_3D, file_2d=FILE_2D):
    """Write the two npz files the way VideoPose3D's scripts do."""
    np.savez_compressed(osp.join(root, file_3d), positions_3d=pos3d)
    metadata = dict(layout_name='h36m', num_joints=17,
                    keypoints_symmetry=[[4, 5, 6, 11, 12, 13],
                                        [1, 2, 3, 14, 15, 16]])
    np.savez_compressed(osp.join(root, file_2d), positions_2d=pos2d,
                        metadata=metadata)


@pytest.fixture(scope='module')
def h36m_data(tmp_path_factory):
    """(root, pos3d, pos2d) of the default tiny set, with a few hand-set
    pixels for the normalisation checks."""
    root = tmp_path_factory.mktemp('h36m')
    pos3d, pos2d = make_h36m_arrays()
    pos2d['S1']['Walking'][0][0, 0] = (250, 300)   # camera 0: 1000 x 1002
    pos2d['S1']['Walking'][1][0, 0] = (750, 500)   # camera 1: 1000 x 1000
    pos2d['S1']['Walking'][3][0, 0] = (1000, 1002)  # camera 3: 1000 x 1002
    write_h36m_files(root, pos3d, pos2d)
    return str(root), pos3d, pos2d


@pytest.fixture(scope='session')
def camera_table():
    """The packaged calibration table, read as raw JSON (no mpm code)."""
    with open(camera_module.CAMERA_TABLE) as f:
        return json.load(f)


def rotation_from_quaternion_axis_angle(q):
    """Independent reference: camera-to-world rotation of a [w, x, y, z]
    quaternion via its axis-angle and Rodrigues' formula (float64)."""
    q = np.asarray(q, np.float64)
    q = q / np.linalg.norm(q)
    w, v = q[0], q[1:]
    s = np.linalg.norm(v)
    if s < 1e-15:
        return np.eye(3)
    angle = 2 * np.arctan2(s, w)
    k = v / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx


@pytest.fixture(scope='session')
def quat_to_rot():
    """:func:`rotation_from_quaternion_axis_angle` as a fixture."""
    return rotation_from_quaternion_axis_angle


@pytest.fixture(scope='session')
def h36m_io():
    """Helpers for tests that write their own variants of the files."""
    from types import SimpleNamespace
    return SimpleNamespace(make=make_h36m_arrays, write=write_h36m_files,
                           FILE_3D=FILE_3D, FILE_2D=FILE_2D)
