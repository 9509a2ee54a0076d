"""Skeleton facts flow from the data; checkpoints record their joint order.

Real runs of ``tools/train.py`` (in this process): a tiny MPM stage I on a
synthetic Human3.6M writes ``meta['joint_order']`` (kept by
``publish_model.py``); a tiny MPI-INF-3DHP fine-tune built from
``configs/mpm/finetune_3dhp_243f.py`` (which sets no ``flip_indices`` /
``root_index``) takes both from its dataset, and refuses the Human3.6M-
ordered stage I checkpoint with a message naming both orders; read in the
Human3.6M order (``joint_order='h36m'``) it accepts it.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mpm.engine import configure_trust
from mpm.utils.joint_order import JOINT_ORDER_KEY, JointOrderError
from mpm.utils.skeleton import H36M_SKELETON, MPI_INF_3DHP_SKELETON

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow

#: A tiny MPM stage I (configs/demo/pretrain.py) on 9-frame windows.
TINY_PRETRAIN = '''
_base_ = [{base!r}]
seq_len = 9
num_frames = 9
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data!r}, subjects=['S1'], seq_len=9,
                 dilation=1, downsample=1))
_dec = dict(num_frames=9, in_channels=8, embed_dim=8, depth=1, ffn_dim=16,
            num_heads=2)
model = dict(
    encoder_2d=dict(embed_dim=16), encoder_3d=dict(embed_dim=16),
    trunk=dict(spatial=dict(in_dim=16, out_dim=8),
               temporal=dict(num_frames=9, embed_dim=8, depth=1, ffn_dim=16,
                             num_heads=2)),
    decoder_2d=_dec, decoder_3d=_dec)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5,
                        by_epoch=False, begin=0, end=2)]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2))
'''

#: configs/mpm/finetune_3dhp_243f.py at 9 frames and the tiny widths.
TINY_3DHP_FINETUNE = '''
_base_ = [{base!r}]
seq_len = 9
_data = dict(data_root={data!r}, seq_len=9, joint_order={order!r})
train_dataloader = dict(batch_size=4, num_workers=0,
                        persistent_workers=False, dataset=_data)
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=_data)
test_dataloader = val_dataloader
model = dict(
    encoder=dict(embed_dim=16),
    trunk=dict(spatial=dict(in_dim=16, out_dim=8),
               temporal=dict(num_frames=9, embed_dim=8, depth=1, ffn_dim=16,
                             num_heads=2)),
    decoder=dict(num_frames=9, strides=[3, 3], embed_dim=8, ffn_dim=16,
                 num_heads=2, head=dict(in_channels=8)),
    seq_head=dict(in_channels=8),
    init_cfg={init_cfg!r})
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = [dict(type='ExponentialLR', gamma=0.97, by_epoch=True,
                        begin=0, end=1)]
'''


def load_tool(name, path):
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def reset_trust():
    yield
    configure_trust()


@pytest.fixture(scope='module')
def h36m_root(tmp_path_factory):
    from mpm.datasets.synthetic import generate_synthetic_h36m
    root = tmp_path_factory.mktemp('joint_order_h36m')
    generate_synthetic_h36m(str(root), num_frames=30, subjects=('S1', ),
                            actions=('Walking', ), trials=1)
    return str(root)


@pytest.fixture(scope='module')
def mpi_root(tmp_path_factory):
    """Tiny MPI-INF-3DHP files in P-STMO's layout (one train sequence,
    camera 0, 12 frames; one test sequence, 6 valid frames)."""
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp('joint_order_3dhp')
    train = {'S1 Seq1': [{'0': dict(
        data_2d=rng.uniform(0, 2048, (12, 17, 2)).astype(np.float32),
        data_3d=rng.uniform([-800, -800, 3000], [800, 800, 5000],
                            (12, 17, 3)).astype(np.float32))}, 25]}
    test = {'TS1': dict(
        data_2d=rng.uniform(0, 2048, (6, 17, 2)).astype(np.float32),
        data_3d=rng.uniform(-900, 900, (6, 17, 3)).astype(np.float32),
        valid=np.ones(6, np.float32))}
    np.savez_compressed(osp.join(str(root), 'data_train_3dhp.npz'),
                        data=train)
    np.savez_compressed(osp.join(str(root), 'data_test_3dhp.npz'),
                        data=test)
    return str(root)


def train(config, work_dir, name):
    """tools/train.py in this process; returns the runner's model."""
    train_py = load_tool('mpm_tools_train', 'tools/train.py')
    runner = train_py.main([config, '--work-dir', str(work_dir),
                            '--cfg-options', f'experiment_name={name}'])
    return runner.model


@pytest.fixture(scope='module')
def stage1(h36m_root, tmp_path_factory):
    """A Human3.6M-ordered stage I checkpoint written by a training run."""
    tmp = tmp_path_factory.mktemp('joint_order_stage1')
    config = tmp / 'tiny_pretrain.py'
    config.write_text(TINY_PRETRAIN.format(
        base=osp.join(REPO, 'configs', 'demo', 'pretrain.py'),
        data=h36m_root))
    train(str(config), tmp / 'work', 'joint_order_stage1')
    return str(tmp / 'work' / 'iter_2.pth')


def test_training_run_and_publish_record_the_joint_order(stage1, tmp_path):
    ckpt = torch.load(stage1, map_location='cpu', weights_only=False)
    order = ckpt['meta'][JOINT_ORDER_KEY]
    assert order['skeleton'] == 'h36m'
    assert order['joint_names'] == list(H36M_SKELETON.joint_names)
    assert order['flip_indices'] == H36M_SKELETON.flip_permutation.tolist()
    assert order['root'] == 0
    publish = load_tool('mpm_tools_publish',
                        'tools/model_converters/publish_model.py')
    out = publish.main([stage1, str(tmp_path / 'released.pth'), '--no-hash',
                        '--trust-checkpoint'])
    released = torch.load(out, weights_only=True)
    assert released['meta'][JOINT_ORDER_KEY] == order


def write_finetune(tmp_path, data, order, init_cfg=None):
    config = tmp_path / f'tiny_3dhp_{order}.py'
    config.write_text(TINY_3DHP_FINETUNE.format(
        base=osp.join(REPO, 'configs', 'mpm', 'finetune_3dhp_243f.py'),
        data=data, order=order, init_cfg=init_cfg))
    return str(config)


def test_3dhp_finetune_takes_flip_and_root_from_the_data(mpi_root, tmp_path):
    base = Config.fromfile(osp.join(REPO, 'configs', 'mpm',
                                    'finetune_3dhp_243f.py'))
    assert 'flip_indices' not in base.model
    assert 'root_index' not in base.model
    assert 'flip_indices' not in base.model.get('data_preprocessor', {})
    runner_model = train(write_finetune(tmp_path, mpi_root, '3dhp'),
                         tmp_path / 'work', 'joint_order_3dhp')
    flip = MPI_INF_3DHP_SKELETON.flip_permutation.tolist()
    assert runner_model.flip_indices == flip
    assert runner_model.root_index == 14
    assert runner_model.data_preprocessor.flip_indices == flip
    ckpt = torch.load(str(tmp_path / 'work' / 'epoch_1.pth'),
                      map_location='cpu', weights_only=False)
    order = ckpt['meta'][JOINT_ORDER_KEY]
    assert order['skeleton'] == 'mpi_inf_3dhp'
    assert order['joint_names'] == list(MPI_INF_3DHP_SKELETON.joint_names)
    assert order['root'] == 14


def test_h36m_stage1_into_3dhp_finetune_is_a_clear_error(
        stage1, mpi_root, tmp_path):
    init = dict(type='PretrainedParts', checkpoint=stage1)
    with pytest.raises(JointOrderError) as err:
        train(write_finetune(tmp_path, mpi_root, '3dhp', init),
              tmp_path / 'work', 'joint_order_mismatch')
    message = str(err.value)
    assert 'h36m (17 joints: pelvis, r_hip' in message
    assert 'mpi_inf_3dhp (17 joints: head_top, neck' in message
    assert stage1 in message
    assert "joint_order='h36m'" in message
    # The fix the message gives: read 3DHP in the Human3.6M order.
    model = train(write_finetune(tmp_path, mpi_root, 'h36m', init),
                  tmp_path / 'work_h36m', 'joint_order_fixed')
    assert model.joint_order['skeleton'] == 'h36m'
    assert model.root_index == 0
    # tools/test.py loads a checkpoint before the run: checked as it starts
    test_py = load_tool('mpm_tools_test', 'tools/test.py')
    with pytest.raises(JointOrderError, match=r'the loaded checkpoint is in '
                       r'the order h36m .*MpiInf3dhpDataset\(joint_order='):
        test_py.main([write_finetune(tmp_path, mpi_root, '3dhp'),
                      str(tmp_path / 'work_h36m' / 'epoch_1.pth'),
                      '--work-dir', str(tmp_path / 'work_test'),
                      '--cfg-options', 'experiment_name=joint_order_test'])
