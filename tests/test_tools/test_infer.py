"""tools/infer.py: 2D detector JSON -> poses_3d.npy (+ GIF), checkpoint
loading and trust."""
import argparse
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mpm.apis import init_lifter, lift
from mpm.engine import UntrustedCheckpointError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
T = 6


def load_infer():
    spec = importlib.util.spec_from_file_location(
        'mpm_tools_infer', osp.join(ROOT, 'tools', 'infer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    assert 'frames/s' in printed and f'lifted {T} frames' in printed
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
