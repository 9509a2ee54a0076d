"""Skeleton facts from the dataset's metainfo: models, data preprocessor,
metrics, checkpoint joint-order checks (fast, no runner)."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mpm.utils.joint_order as joint_order_module
from mpm.apis import init_lifter
from mpm.evaluation.metrics import Human36mMetric, MpiInf3dhpMetric
from mpm.models.data_preprocessors.pose_data_preprocessor import \
    H36M_16_JOINTS
from mpm.models.pretrained_parts import load_pretrained_parts
from mpm.registry import MODELS
from mpm.utils.joint_order import (JointOrderError,
                                   check_checkpoint_joint_order,
                                   joint_order, resolve_skeleton_fact,
                                   subset_metainfo)
from mpm.utils.skeleton import (H36M_SKELETON, MPI_INF_3DHP_SKELETON,
                                MPI_INF_3DHP_TO_H36M, pck_joint_indices)

H36M_META = dict(dataset_name='h36m', **H36M_SKELETON.metainfo())
MPI_META = dict(dataset_name='mpi_inf_3dhp', joint_order='3dhp',
                pck_joints=pck_joint_indices('3dhp'),
                **MPI_INF_3DHP_SKELETON.metainfo())
#: MPI-INF-3DHP's mirror pairs by hand: r_shoulder 2 <-> l_shoulder 5,
#: 3 <-> 6, 4 <-> 7, r_hip 8 <-> l_hip 11, 9 <-> 12, 10 <-> 13.
MPI_FLIP = [0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 14, 15, 16]


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mpm')


def tiny_lifter(**kwargs):
    cfg = copy.deepcopy(Config.fromfile(
        'configs/_base_/models/stmo_lifter.py').model.to_dict())
    cfg['encoder'].update(embed_dim=16, dropout=0.0)
    cfg['trunk']['spatial'].update(in_dim=16, out_dim=8, dropout=0.0)
    cfg['trunk']['temporal'].update(num_frames=9, depth=1, embed_dim=8,
                                    ffn_dim=16, num_heads=2, dropout=0.0)
    cfg['decoder'].update(num_frames=9, strides=[3, 3], embed_dim=8,
                          ffn_dim=16, num_heads=2,
                          head=dict(type='PoseRegressionHead', in_channels=8,
                                    num_joints=17))
    cfg['seq_head'].update(in_channels=8)
    cfg.update(kwargs)
    return cfg


def test_metainfo_names_the_skeleton():
    assert H36M_META['skeleton'] == 'h36m'
    assert MPI_META['skeleton'] == 'mpi_inf_3dhp'
    order = joint_order(MPI_META)
    assert order == dict(skeleton='mpi_inf_3dhp',
                         joint_names=list(MPI_INF_3DHP_SKELETON.joint_names),
                         flip_indices=MPI_FLIP, root=14)
    assert joint_order({}) is None and joint_order(None) is None


def test_resolve_skeleton_fact():
    assert resolve_skeleton_fact('M', 'root_index', None, MPI_META,
                                 'root') == 14
    assert resolve_skeleton_fact('M', 'root_index', 14, MPI_META,
                                 'root') == 14
    assert resolve_skeleton_fact('M', 'root_index', 3, {}, 'root') == 3
    with pytest.raises(JointOrderError,
                       match=r"M: root_index=0 .*dataset's root=14 "
                       r'\(mpi_inf_3dhp.*Drop root_index'):
        resolve_skeleton_fact('M', 'root_index', 0, MPI_META, 'root')


def test_16_joint_subset_of_the_metainfo():
    sub = subset_metainfo(H36M_META, H36M_16_JOINTS,
                          [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15, 10, 11,
                           12])
    assert sub['joint_names'] == [H36M_SKELETON.joint_names[j]
                                  for j in H36M_16_JOINTS]
    assert 'neck' not in sub['joint_names'] and sub['root'] == 0
    with pytest.raises(JointOrderError, match='drops the root joint 0'):
        subset_metainfo(H36M_META, [1, 4], [1, 0])


def test_lifter_takes_flip_and_root_from_the_dataset():
    model = MODELS.build(tiny_lifter())
    assert model.joint_order is None
    model.set_dataset_meta(MPI_META)
    assert model.flip_indices == MPI_FLIP
    assert model.root_index == 14
    assert model.data_preprocessor.flip_indices == MPI_FLIP
    assert model.joint_order['skeleton'] == 'mpi_inf_3dhp'
    model.eval()
    pred = model.predict_pose(torch.randn(2, 9, 17, 2))
    assert torch.all(pred[:, 14] == 0) and torch.any(pred[:, 0] != 0)
    # The same model handed a dataset of another joint order: an error.
    with pytest.raises(JointOrderError, match='was set up for the joint '
                       r'order mpi_inf_3dhp.*now gets data in the order h36m'):
        model.set_dataset_meta(H36M_META)


def test_configured_values_win_and_must_agree():
    model = MODELS.build(tiny_lifter(flip_indices=MPI_FLIP, root_index=14))
    model.set_dataset_meta(MPI_META)
    assert model.flip_indices == MPI_FLIP and model.root_index == 14
    model = MODELS.build(tiny_lifter(root_index=0))
    with pytest.raises(JointOrderError, match='PoseLifter: root_index=0'):
        model.set_dataset_meta(MPI_META)
    model = MODELS.build(tiny_lifter(data_preprocessor=dict(
        type='PoseDataPreprocessor',
        flip_indices=H36M_SKELETON.flip_permutation.tolist())))
    with pytest.raises(JointOrderError,
                       match='PoseDataPreprocessor: flip_indices='):
        model.set_dataset_meta(MPI_META)


def test_16_joint_model_gets_the_subset_flip():
    # configs/ablations/joints16_finetune_h36m_cpn_243f.py types no flip
    cfg = Config.fromfile(
        'configs/ablations/joints16_finetune_h36m_cpn_243f.py')
    assert 'flip_indices' not in cfg.model
    cfg = tiny_lifter(data_preprocessor=dict(type='PoseDataPreprocessor',
                                             keep_joints=H36M_16_JOINTS))
    cfg['encoder']['num_joints'] = 16
    cfg['decoder']['head']['num_joints'] = 16
    cfg['seq_head']['num_joints'] = 16
    model = MODELS.build(cfg)
    model.set_dataset_meta(H36M_META)
    # by hand: l_hip..l_ankle (4-6) <-> r_hip..r_ankle (1-3); after
    # dropping joint 9, l_shoulder..l_wrist are 10-12, r_ 13-15
    assert model.flip_indices == [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15,
                                  10, 11, 12]
    assert model.joint_order['joint_names'][9] == 'head'
    assert model.data_preprocessor.source_flip_indices == \
        H36M_SKELETON.flip_permutation.tolist()


def test_masked_pose_modeling_root_from_the_dataset():
    cfg = Config.fromfile('configs/_base_/models/mpm_pretrain.py').model
    model = MODELS.build(cfg)
    assert model.root_index == 0
    model.set_dataset_meta(MPI_META)
    assert model.root_index == 14


def test_metrics_take_the_root_from_dataset_meta():
    gt = np.random.default_rng(0).normal(size=(17, 3))
    pred = gt + np.array([0.1, 0.0, 0.0])
    pred[14] += [0.0, 0.3, 0.0]  # only the 3DHP root is off
    metric = Human36mMetric()
    metric.dataset_meta = MPI_META
    assert metric.root_index == 14
    metric.process(None, [dict(pred_keypoints_3d=pred, gt_keypoints_3d=gt)])
    # root-relative at joint 14: every joint but the root is 300 mm off
    assert metric.compute_metrics(metric.results)['mpjpe_mm'] == \
        pytest.approx(300.0 * 16 / 17)
    with pytest.raises(JointOrderError, match='Human36mMetric: root_index=0'):
        Human36mMetric(root_index=0).dataset_meta = MPI_META


def test_3dhp_metric_follows_the_dataset_joint_order():
    h36m_meta = dict(MPI_META, joint_order='h36m',
                     pck_joints=pck_joint_indices('h36m'),
                     **H36M_SKELETON.metainfo())
    metric = MpiInf3dhpMetric()
    metric.dataset_meta = h36m_meta
    reference = MpiInf3dhpMetric(joint_order='h36m')
    assert metric.joint_order == 'h36m'
    assert metric.root_index == reference.root_index == \
        MPI_INF_3DHP_TO_H36M.index(14)
    assert metric.pck_joints == reference.pck_joints
    with pytest.raises(JointOrderError, match="joint_order=3dhp"):
        MpiInf3dhpMetric(joint_order='3dhp').dataset_meta = h36m_meta


def stage1_state(meta=None):
    model = MODELS.build(tiny_lifter())
    ckpt = dict(state_dict=model.state_dict())
    if meta is not None:
        ckpt['meta'] = meta
    return ckpt


def test_pretrained_parts_refuses_another_joint_order():
    ckpt = stage1_state(dict(joint_order=joint_order(H36M_META)))
    model = MODELS.build(tiny_lifter())
    model.set_dataset_meta(MPI_META)
    before = model.state_dict()['encoder.fc.weight'].clone()
    with pytest.raises(JointOrderError) as err:
        load_pretrained_parts(model, ckpt)
    message = str(err.value)
    assert 'h36m (17 joints: pelvis' in message
    assert 'mpi_inf_3dhp (17 joints: head_top' in message
    assert "joint_order='h36m'" in message
    assert torch.equal(model.state_dict()['encoder.fc.weight'], before)
    # same order: loads
    model = MODELS.build(tiny_lifter())
    model.set_dataset_meta(H36M_META)
    assert load_pretrained_parts(model, ckpt)['loaded']


def test_checkpoints_without_a_joint_order_load_with_an_info_line(
        monkeypatch):
    logged = []
    monkeypatch.setattr(joint_order_module, 'print_log',
                        lambda msg, logger=None, level=None:
                        logged.append((msg, level)))
    model = MODELS.build(tiny_lifter())
    model.set_dataset_meta(MPI_META)
    assert load_pretrained_parts(model, stage1_state())['loaded']
    assert logged == [('the given state dict records no joint order (an '
                       'older or converted checkpoint): its joint order is '
                       'not checked', 20)]
    assert not check_checkpoint_joint_order(
        stage1_state(dict(joint_order=joint_order(H36M_META))), None, 'x',
        'PoseLifter', 'fix')


def test_init_lifter_takes_the_checkpoint_joint_order(tmp_path):
    ckpt = stage1_state(dict(joint_order=joint_order(MPI_META)))
    path = tmp_path / 'lifter.pth'
    torch.save(ckpt, path)
    model = init_lifter(dict(model=tiny_lifter()), str(path))
    assert model.flip_indices == MPI_FLIP and model.root_index == 14
    # an older checkpoint: the metainfo of its training set
    ckpt = stage1_state(dict(dataset_meta=MPI_META))
    torch.save(ckpt, path)
    model = init_lifter(dict(model=tiny_lifter()), str(path))
    assert model.flip_indices == MPI_FLIP and model.root_index == 14
