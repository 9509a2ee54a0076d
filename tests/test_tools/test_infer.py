"""tools/infer.py: 2D detector JSON -> poses_3d.npy (+ GIF), checkpoint
loading and trust."""
import argparse
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mpm.apis import init_lifter, lift
from mpm.engine import UntrustedCheckpointError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
T = 6


def load_tool(*path):
    """Import a script under tools/ as a module."""
    spec = importlib.util.spec_from_file_location(
        'mpm_tools_' + osp.splitext(path[-1])[0], osp.join(ROOT, 'tools',
                                                           *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_infer():
    return load_tool('infer.py')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A tiny config (5-frame lifter, dilation 2), its checkpoint and a
    COCO-style detector file of T frames."""
    tmp = tmp_path_factory.mktemp('infer')
    smoke = osp.join(ROOT, 'configs', 'demo', 'smoke.py')
    config = tmp / 'tiny.py'
    config.write_text(
        f'_base_ = [{smoke!r}]\n'
        'test_dataloader = dict(dataset=dict(seq_len=5, dilation=2))\n'
        'model = dict(\n'
        '    encoder=dict(embed_dim=16),\n'
        '    trunk=dict(spatial=dict(in_dim=16, out_dim=8),\n'
        '               temporal=dict(num_frames=5, embed_dim=8,\n'
        '                             ffn_dim=16)),\n'
        '    decoder=dict(num_frames=5, strides=[5], embed_dim=8,\n'
        '                 ffn_dim=16,\n'
        '                 head=dict(in_channels=8)),\n'
        '    seq_head=dict(in_channels=8))\n')
    torch.manual_seed(1)
    model = init_lifter(str(config))
    ckpt = tmp / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(note='tiny')),
               ckpt)
    rng = np.random.default_rng(0)
    entries = []
    for image_id in range(T):
        kp = np.concatenate([rng.uniform(100, 600, (17, 2)),
                             rng.uniform(0.5, 1, (17, 1))], 1)
        entries.append(dict(image_id=image_id, category_id=1,
                            keypoints=kp.reshape(-1).tolist(), score=0.9))
    det = tmp / 'det.json'
    det.write_text(json.dumps(entries))
    return dict(tmp=tmp, config=str(config), ckpt=str(ckpt), det=str(det),
                keypoints=np.array([e['keypoints'] for e in entries]
                                   ).reshape(T, 17, 3))


def test_infer_writes_poses_and_gif(setup, capsys):
    out = setup['tmp'] / 'out'
    poses = load_infer().main([
        '--config', setup['config'], '--checkpoint', setup['ckpt'],
        '--input', setup['det'], '--format', 'coco', '--image-size', '640',
        '480', '--output', str(out), '--render', '--fps', '10',
        '--device', 'cpu'])
    printed = capsys.readouterr().out
    assert f'lifted {T} frames' in printed
    assert f'2D stage (keypoints read from det.json): {T} frames, 1 track' \
        in printed
    saved = np.load(out / 'poses_3d.npy')
    assert saved.shape == (T, 17, 3) and saved.dtype == np.float32
    np.testing.assert_array_equal(saved, poses)
    np.testing.assert_array_equal(saved[:, 0], 0)
    # The checkpoint's weights were used (a fresh random model differs).
    torch.manual_seed(123)
    fresh = init_lifter(setup['config'])
    reference = lift(init_lifter(setup['config'], setup['ckpt']),
                     setup['keypoints'], (640, 480), layout='coco')
    np.testing.assert_allclose(saved, reference, atol=1e-6)
    assert np.abs(lift(fresh, setup['keypoints'], (640, 480)) - saved
                  ).max() > 1e-4
    with Image.open(out / 'animation.gif') as gif:
        assert gif.n_frames == T


def test_infer_uses_config_dilation(setup):
    """The config's test dilation (2) is the window step unless
    --dilation says otherwise."""
    infer = load_infer()
    a = infer.main(['--config', setup['config'], '--checkpoint',
                    setup['ckpt'], '--input', setup['det'], '--image-size',
                    '640', '480', '--output', str(setup['tmp'] / 'a')])
    b = infer.main(['--config', setup['config'], '--checkpoint',
                    setup['ckpt'], '--input', setup['det'], '--image-size',
                    '640', '480', '--output', str(setup['tmp'] / 'b'),
                    '--dilation', '1'])
    model = init_lifter(setup['config'], setup['ckpt'])
    np.testing.assert_allclose(
        a, lift(model, setup['keypoints'], (640, 480), dilation=2),
        atol=1e-6)
    assert np.abs(a - b).max() > 1e-5


def test_untrusted_checkpoint_needs_the_flag(setup):
    ckpt = setup['tmp'] / 'pickled.pth'
    state = torch.load(setup['ckpt'], weights_only=True)
    state['meta'] = argparse.Namespace(note='needs full unpickling')
    torch.save(state, ckpt)
    args = ['--config', setup['config'], '--checkpoint', str(ckpt),
            '--input', setup['det'], '--image-size', '640', '480',
            '--output', str(setup['tmp'] / 'c')]
    infer = load_infer()
    with pytest.raises(UntrustedCheckpointError):
        infer.main(args)
    assert infer.main(args + ['--trust-checkpoint']).shape == (T, 17, 3)


# --------------------------------------------------------------------------
# Checkpoint required, tracks, exports, video input, bad inputs, ONNX
# --------------------------------------------------------------------------

def base_args(setup, out, *extra):
    return ['--config', setup['config'], '--checkpoint', setup['ckpt'],
            '--output', str(out), *extra]


def test_checkpoint_is_required(setup, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_infer().main(['--config', setup['config'], '--input',
                           setup['det'], '--image-size', '640', '480',
                           '--output', str(setup['tmp'] / 'none')])
    assert exit_info.value.code != 0
    assert '--checkpoint' in capsys.readouterr().err


def test_tracks_give_one_output_each_with_exports(setup, capsys):
    """Two tracks (track_id 4 in frames 0-5, 9 in frames 2-4) -> two
    folders; absent frames are NaN; motion.json / .csv / .bvh per track."""
    kp = setup['keypoints']
    entries = [dict(image_id=t, keypoints=kp[t].reshape(-1).tolist(),
                    score=0.9, track_id=4) for t in range(T)]
    entries += [dict(image_id=t, keypoints=(kp[t] + [30, 5, 0]).reshape(
        -1).tolist(), score=0.8, track_id=9) for t in (2, 3, 4)]
    det = setup['tmp'] / 'tracks.json'
    det.write_text(json.dumps(entries))
    out = setup['tmp'] / 'tracks'
    result = load_infer().main(base_args(
        setup, out, '--input', str(det), '--image-size', '640', '480',
        '--export', 'json', 'csv', 'bvh', '--render', '--fps', '10'))
    printed = capsys.readouterr().out
    assert 'lifted 9 frames' in printed and 'track 9' in printed
    assert sorted(result) == ['4', '9']
    for name, frames in (('4', range(T)), ('9', (2, 3, 4))):
        folder = out / f'track_{name}'
        poses = np.load(folder / 'poses_3d.npy')
        camera = np.load(folder / 'poses_3d_camera.npy')
        assert poses.shape == camera.shape == (T, 17, 3)
        present = np.isin(np.arange(T), list(frames))
        assert np.isfinite(poses[present]).all()
        assert np.isnan(poses[~present]).all()
        np.testing.assert_allclose(camera[present] - camera[present, :1],
                                   poses[present], atol=1e-5)
        assert (camera[present, 0, 2] > 0).all()   # root before the camera
        motion = json.loads((folder / 'motion.json').read_text())
        assert motion['track_id'] == name and motion['fps'] == 10
        assert len(motion['frames']) == T
        assert [f['detected'] for f in motion['frames']] == present.tolist()
        assert 'metres' in motion['units_and_frames']['poses_3d_camera']
        rows = (folder / 'motion.csv').read_text().splitlines()
        assert len(rows) == T + 1 and rows[0].startswith('frame,detected,')
        bvh = (folder / 'motion.bvh').read_text()
        assert f'Frames: {T}' in bvh and 'ROOT Hips' in bvh
        with Image.open(folder / 'animation.gif') as gif:
            assert gif.n_frames == T
    # The one-person layout of the same file (--track-field none).
    single = load_infer().main(base_args(
        setup, setup['tmp'] / 'single', '--input', str(det),
        '--image-size', '640', '480', '--track-field', 'none'))
    assert single.shape == (T, 17, 3)
    assert (setup['tmp'] / 'single' / 'poses_3d.npy').exists()


class FakeDetector:
    """Stands in for MediaPipe: landmarks from a fixed table, frame 1
    without a person."""
    table = None

    def __init__(self, *args, **kwargs):
        pass

    def detect(self, frames):
        n = len(list(frames))
        out = self.table[:n].copy()
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def test_video_input_pipeline(setup, monkeypatch, capsys):
    """A video file -> 2D stage -> tracks -> outputs, rendering on the
    video frames (the 2D detector replaced by a fixed table)."""
    import cv2

    import mpm.apis.pose2d as pose2d
    path = str(setup['tmp'] / 'clip.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 15,
                             (160, 120))
    for t in range(T):
        writer.write(np.full((120, 160, 3), 20 * t, np.uint8))
    writer.release()
    rng = np.random.default_rng(3)
    table = np.concatenate([rng.uniform(20, 100, (T, 33, 2)),
                            rng.uniform(0.5, 1, (T, 33, 1))], -1)
    table[1] = np.nan
    FakeDetector.table = table
    monkeypatch.setattr(pose2d, 'MediaPipePose2D', FakeDetector)
    out = setup['tmp'] / 'video'
    with pytest.warns(UserWarning, match='1 of 6 frames have no detection'):
        poses = load_infer().main(base_args(
            setup, out, '--input', path, '--render', '--export', 'bvh'))
    printed = capsys.readouterr().out
    for stage in ('2D stage', 'lifted 6 frames', 'rendered 6 frames'):
        assert stage in printed
    assert poses.shape == (T, 17, 3)
    assert np.isnan(poses[1]).all() and np.isfinite(np.delete(poses, 1, 0)
                                                    ).all()
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['image_size'] == [160, 120] and meta['fps'] == 15
    assert meta['frames_without_detection'] == [1]
    assert 'Frames: 6' in (out / 'motion.bvh').read_text()
    # No person anywhere: a clear error.
    FakeDetector.table = np.full((T, 33, 3), np.nan)
    with pytest.raises(SystemExit, match='found no person'):
        load_infer().main(base_args(setup, setup['tmp'] / 'v2', '--input',
                                    path))


def test_bad_inputs_give_clear_errors(setup, tmp_path):
    infer = load_infer()
    with pytest.raises(SystemExit, match='--image-size'):
        infer.main(base_args(setup, tmp_path / 'a', '--input', setup['det']))
    with pytest.raises(SystemExit, match='--threads must be >= 1'):
        infer.main(base_args(setup, tmp_path / 'a', '--input', setup['det'],
                             '--image-size', '640', '480', '--threads', '0'))
    with pytest.raises(SystemExit, match="layout 'halpe' has 26"):
        infer.main(base_args(setup, tmp_path / 'b', '--input', setup['det'],
                             '--image-size', '640', '480', '--format',
                             'halpe'))
    with pytest.raises(SystemExit, match="unknown track field 'person'"):
        infer.main(base_args(setup, tmp_path / 'c', '--input', setup['det'],
                             '--image-size', '640', '480', '--track-field',
                             'person'))
    bad_video = tmp_path / 'bad.mp4'
    bad_video.write_bytes(b'\x00' * 300)
    with pytest.raises(SystemExit, match='could not be read as a video'):
        infer.main(base_args(setup, tmp_path / 'd', '--input',
                             str(bad_video)))


HAS_ONNX = all(importlib.util.find_spec(m) is not None
               for m in ('onnx', 'onnxruntime', 'onnxscript'))


@pytest.mark.skipif(not HAS_ONNX, reason="needs the onnx extra: pip install "
                    "-e '.[onnx]'")
def test_onnx_export_parity_and_backend(setup, capsys):
    export = load_tool('deployment', 'export_onnx.py')
    onnx_path = str(setup['tmp'] / 'tiny.onnx')
    diffs = export.main([setup['config'], setup['ckpt'], '--out', onnx_path,
                         '--batch-size', '8'])
    printed = capsys.readouterr().out
    assert 'max abs difference' in printed and max(diffs) < 1e-4
    from mpm.apis.onnx_lifter import OnnxLifter
    onnx_model = OnnxLifter(onnx_path)
    assert onnx_model.num_frames == 5
    # Final-frame output first, sequence second, like mode='tensor'.
    x = torch.rand(3, 5, 17, 2)
    final, sequence = onnx_model(x)
    assert final.shape == (3, 1, 17, 3) and sequence.shape == (3, 5, 17, 3)
    torch_poses = load_infer().main(base_args(
        setup, setup['tmp'] / 'pt', '--input', setup['det'], '--image-size',
        '640', '480'))
    ort_poses = load_infer().main([
        '--config', setup['config'], '--checkpoint', onnx_path, '--backend',
        'onnxruntime', '--threads', '1', '--input', setup['det'],
        '--image-size', '640', '480', '--output', str(setup['tmp'] / 'ort')])
    np.testing.assert_allclose(ort_poses, torch_poses, atol=1e-5)
    with pytest.raises(SystemExit, match='built for windows of 5 frames'):
        export.main([setup['config'], setup['ckpt'], '--out',
                     str(setup['tmp'] / 'x.onnx'), '--frames', '7'])
    with pytest.raises(SystemExit, match='--backend onnxruntime'):
        load_infer().main(base_args(setup, setup['tmp'] / 'e', '--input',
                                    setup['det'], '--image-size', '640',
                                    '480')[:3] + [onnx_path, '--input',
                                                  setup['det'],
                                                  '--image-size', '640',
                                                  '480', '--output',
                                                  str(setup['tmp'] / 'e')])


def test_script_run_prints_only_what_a_user_can_act_on(setup, tmp_path):
    """tools/infer.py as a user runs it: a frame without detection gives
    one 'note:' line (no Python source line, no MMEngine warnings), and
    the speed line."""
    import subprocess
    import sys
    entries = json.loads(open(setup['det']).read())
    del entries[2]                      # no detection in frame 2
    det = tmp_path / 'gap.json'
    det.write_text(json.dumps(entries))
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    run = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'infer.py'), *base_args(
            setup, tmp_path / 'out', '--input', str(det), '--image-size',
            '640', '480', '--export', 'json')],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines() == [
        'note: 1 of 6 frames have no detection: filled in time for the '
        'windows of their neighbours, NaN in the output.']
    assert 'frames/s' in run.stdout and 'WARNING' not in run.stdout


HAS_VIDEO_EXTRA = all(importlib.util.find_spec(m) is not None
                      for m in ('mediapipe', 'skimage'))


@pytest.mark.skipif(not HAS_VIDEO_EXTRA, reason="needs the video extra "
                    "(pip install -e '.[video]': mediapipe==0.10.21, which "
                    'pins numpy<2, about 720 MB, so make test leaves it out) '
                    'and scikit-image (its astronaut photograph)')
def test_real_video_through_mediapipe(setup, tmp_path, capsys):
    """The whole pipeline with the real 2D backend: a clip of a real
    photograph (tools/misc/photo_clip.py on scikit-image's astronaut) with
    two black frames -> a person in 8 of 10 frames, NaN exactly where there
    is none; a black clip is a clear error."""
    import cv2
    clip = load_tool('misc', 'photo_clip.py')
    path = clip.main(['--out', str(tmp_path / 'astronaut.mp4'), '--frames',
                      '10', '--size', '320', '240', '--fps', '10',
                      '--blank', '4', '6'])
    with pytest.warns(UserWarning, match='2 of 10 frames have no detection'):
        poses = load_infer().main(base_args(
            setup, tmp_path / 'out', '--input', path, '--export', 'json'))
    assert 'a person in 8 of them' in capsys.readouterr().out
    assert poses.shape == (10, 17, 3)
    assert np.isnan(poses[[4, 5]]).all()
    assert np.isfinite(np.delete(poses, [4, 5], 0)).all()
    meta = json.loads((tmp_path / 'out' / 'meta.json').read_text())
    assert meta['frames_without_detection'] == [4, 5]
    assert meta['image_size'] == [320, 240] and meta['fps'] == 10
    nose = np.load(tmp_path / 'out' / 'keypoints_2d.npy')[0, 9]
    assert 0 < nose[0] < 320 and 0 < nose[1] < 240 and nose[2] > 0.9
    black = str(tmp_path / 'black.mp4')
    writer = cv2.VideoWriter(black, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (320, 240))
    for _ in range(3):
        writer.write(np.zeros((240, 320, 3), np.uint8))
    writer.release()
    with pytest.raises(SystemExit, match='found no person in any of the 3'):
        load_infer().main(base_args(setup, tmp_path / 'black', '--input',
                                    black))


def test_a_track_without_any_detected_joint_is_left_out(setup, tmp_path):
    kp = setup['keypoints']
    entries = [dict(image_id=t, keypoints=kp[t].reshape(-1).tolist(),
                    score=0.9, track_id=1) for t in range(T) if t != 3]
    entries += [dict(image_id=t, keypoints=[0.0] * 51, score=0.2,
                     track_id=2) for t in (0, 2)]   # [0, 0, 0] joints only
    det = tmp_path / 'empty_track.json'
    det.write_text(json.dumps(entries))
    args = ['--input', str(det), '--image-size', '640', '480']
    with pytest.warns(UserWarning) as notes:
        result = load_infer().main(base_args(setup, tmp_path / 'o', *args))
    notes = [str(n.message) for n in notes]
    # Each note says which track it is about.
    assert 'track 1: 1 of 6 frames have no detection' in ' '.join(notes)
    assert any(n.startswith("track '2': no frame has a detected joint") and
               n.endswith('It is left out.') for n in notes)
    assert sorted(result) == ['1']
    assert not (tmp_path / 'o' / 'track_2').exists()
    det.write_text(json.dumps(entries[T - 1:]))
    with pytest.raises(SystemExit, match='no frame has a detected joint'):
        load_infer().main(base_args(setup, tmp_path / 'p', *args))
