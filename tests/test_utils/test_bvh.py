"""BVH export: the file, re-read by a parser written here and animated by
forward kinematics written here (Euler ZXY as the channel order says), gives
back the input joint positions."""
import json
import shutil
import subprocess

import numpy as np
import pytest

from mpm.utils.bvh import (bvh_fit_error, euler_zxy_from_matrix,
                           matrix_from_euler_zxy, write_bvh)

PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]


def rot(axis, deg):
    """Right-handed rotation about a principal axis (by hand)."""
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    if axis == 'X':
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == 'Y':
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def parse_bvh(path):
    """A minimal BVH reader: joints (name, parent, offset, channels) in file
    order, frame time and the motion table."""
    tokens = open(path).read().split()
    joints, stack, i = [], [], 0
    assert tokens[0] == 'HIERARCHY'
    i = 1
    while tokens[i] != 'MOTION':
        tok = tokens[i]
        if tok in ('ROOT', 'JOINT'):
            joints.append(dict(name=tokens[i + 1],
                               parent=stack[-1] if stack else -1))
            i += 2
        elif tok == 'End':
            joints.append(dict(name='end', parent=stack[-1], end=True))
            i += 2
        elif tok == '{':
            stack.append(len(joints) - 1)
            i += 1
        elif tok == '}':
            stack.pop()
            i += 1
        elif tok == 'OFFSET':
            joints[stack[-1]]['offset'] = np.array(
                tokens[i + 1:i + 4], dtype=float)
            i += 4
        elif tok == 'CHANNELS':
            n = int(tokens[i + 1])
            joints[stack[-1]]['channels'] = tokens[i + 2:i + 2 + n]
            i += 2 + n
        else:
            raise AssertionError(f'unexpected token {tok!r}')
    assert tokens[i + 1] == 'Frames:' and tokens[i + 3] == 'Frame'
    frames = int(tokens[i + 2])
    frame_time = float(tokens[i + 5])
    values = np.array(tokens[i + 6:], dtype=float)
    n_channels = sum(len(j.get('channels', [])) for j in joints)
    assert values.size == frames * n_channels
    return joints, frame_time, values.reshape(frames, n_channels)


def forward_kinematics(joints, motion):
    """Positions (T, joints without end sites, 3) in the file's frame."""
    T = motion.shape[0]
    out = []
    glob = {}
    pos = {}
    col = 0
    for j, joint in enumerate(joints):
        if joint.get('end'):
            continue
        chans = joint['channels']
        vals = motion[:, col:col + len(chans)]
        col += len(chans)
        p = joint['parent']
        local_pos = np.tile(joint['offset'], (T, 1))
        rots = np.tile(np.eye(3), (T, 1, 1))
        for c, name in enumerate(chans):
            if name.endswith('position'):
                local_pos[:, 'XYZ'.index(name[0])] = vals[:, c]
            else:
                rots = rots @ np.stack([rot(name[0], v) for v in vals[:, c]])
        if p < 0:
            pos[j], glob[j] = local_pos, rots
        else:
            pos[j] = pos[p] + np.einsum('nij,nj->ni', glob[p], local_pos)
            glob[j] = glob[p] @ rots
        out.append(pos[j])
    return np.stack(out, 1)


def rigid_motion(T=40, seed=0):
    """Camera-frame positions of a rigid 17-joint body (fixed bone vectors in
    each joint's frame, random joint rotations, a moving root)."""
    rng = np.random.default_rng(seed)
    bones = rng.normal(0, 0.15, (17, 3))
    angles = rng.uniform(-70, 70, (T, 17, 3))
    pos = np.zeros((T, 17, 3))
    glob = np.zeros((T, 17, 3, 3))
    for t in range(T):
        for j, p in enumerate(PARENTS):
            r = rot('Z', angles[t, j, 0]) @ rot('Y', angles[t, j, 1]) @ \
                rot('X', angles[t, j, 2])
            if p < 0:
                glob[t, j] = r
                pos[t, j] = [0.3 * np.sin(t / 5), 0.1 * t / T, 4 + t / T]
            else:
                glob[t, j] = glob[t, p] @ r
                pos[t, j] = pos[t, p] + glob[t, p] @ bones[j]
    return pos


def test_euler_zxy_round_trip_by_hand():
    for z, x, y in [(10, 20, 30), (-170, 80, 95), (45, -60, -120)]:
        m = rot('Z', z) @ rot('X', x) @ rot('Y', y)
        np.testing.assert_allclose(matrix_from_euler_zxy([z, x, y]), m,
                                   atol=1e-12)
        np.testing.assert_allclose(euler_zxy_from_matrix(m), [z, x, y],
                                   atol=1e-9)


def test_bvh_round_trip_within_1mm(tmp_path):
    positions = rigid_motion()
    path = write_bvh(str(tmp_path / 'motion.bvh'), positions, fps=30)
    joints, frame_time, motion = parse_bvh(path)
    assert frame_time == pytest.approx(1 / 30, abs=1e-6)
    named = [j for j in joints if not j.get('end')]
    assert len(named) == 17 and named[0]['name'] == 'Hips'
    assert named[0]['channels'] == ['Xposition', 'Yposition', 'Zposition',
                                    'Zrotation', 'Xrotation', 'Yrotation']
    assert all(j['channels'] == ['Zrotation', 'Xrotation', 'Yrotation']
               for j in named[1:])
    assert sum(1 for j in joints if j.get('end')) == 5
    # The file's parents are the Human3.6M tree.
    order = [k for k, j in enumerate(joints) if not j.get('end')]
    parents = [-1 if j['parent'] < 0 else order.index(j['parent'])
               for j in named]
    assert parents == PARENTS
    fk = forward_kinematics(joints, motion)
    # BVH frame: Y up, (x, -y, -z) of the camera frame.
    fk_camera = fk * np.array([1, -1, -1])
    err = np.linalg.norm(fk_camera - positions, axis=-1)
    assert err.max() < 1e-3, err.max()


def test_fit_error_of_non_rigid_input_is_reported():
    positions = rigid_motion(T=20, seed=1)
    positions[5, 3] += [0.05, 0, 0]   # one ankle 5 cm off: bone stretched
    err = bvh_fit_error(positions)
    assert err.max() > 0.01 and np.median(err) < 1e-6


def test_bad_positions():
    with pytest.raises(ValueError, match=r'\(T, 17, 3\)'):
        bvh_fit_error(np.zeros((4, 16, 3)))
    bad = rigid_motion(T=3)
    bad[1, 4] = np.nan
    with pytest.raises(ValueError, match='finite'):
        bvh_fit_error(bad)


BLENDER_SCRIPT = """
import builtins, json, sys
import bpy
# Debian's Blender 3.4.1 runs Python 3.11, whose open() refuses the 'rU'
# mode its BVH importer passes (a packaging bug): drop the 'U'.
_open = builtins.open
builtins.open = lambda f, mode='r', *a, **k: _open(
    f, mode.replace('U', ''), *a, **k)
path, out = sys.argv[sys.argv.index('--') + 1:]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_anim.bvh(filepath=path)   # the importer's defaults
arm = [o for o in bpy.context.scene.objects if o.type == 'ARMATURE'][0]
first, last = (int(v) for v in arm.animation_data.action.frame_range)
heads = {}
for f in range(first, last + 1):
    bpy.context.scene.frame_set(f)
    for b in arm.pose.bones:
        heads.setdefault(b.name, []).append(list(arm.matrix_world @ b.head))
json.dump(dict(fps=bpy.context.scene.render.fps, heads=heads),
          open(out, 'w'))
"""


@pytest.mark.skipif(shutil.which('blender') is None,
                    reason='needs Blender on the PATH (e.g. apt-get install '
                    'blender); the file format itself is checked above')
def test_blender_imports_the_bvh(tmp_path):
    """Blender's own BVH importer (default options: scale 1, forward -Z,
    up Y) puts every bone's head where the input joint was: Blender's
    world (x, y, z) is the camera frame's (x, z, -y)."""
    from mpm.utils.bvh import H36M_BVH_NAMES
    positions = rigid_motion(T=12, seed=2)
    path = write_bvh(str(tmp_path / 'motion.bvh'), positions, fps=25)
    script = tmp_path / 'dump_heads.py'
    script.write_text(BLENDER_SCRIPT)
    out = tmp_path / 'heads.json'
    run = subprocess.run(
        ['blender', '-b', '--factory-startup', '--python-exit-code', '1',
         '--python', str(script), '--', path, str(out)],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert sorted(result['heads']) == sorted(H36M_BVH_NAMES)
    heads = np.stack([result['heads'][n] for n in H36M_BVH_NAMES], 1)
    expected = positions[..., [0, 2, 1]] * [1, 1, -1]
    assert heads.shape == expected.shape
    assert np.abs(heads - expected).max() < 1e-3
