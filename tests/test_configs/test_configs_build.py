"""Every config under configs/ loads and builds its model; ablations differ
from the main setting exactly where their table row says.

The config list is a glob, so new configs are covered automatically. A
config that cannot build offline must be listed in CANNOT_BUILD_OFFLINE with
a reason (it is then reported as skipped, never dropped silently); files
without a ``model`` must be fragments under ``configs/_base_/``.

Reference numbers are PAPER_FACTS' (parameter counts of the P-STMO / MPM
networks, MPM Table 5) or closed forms written out below.
"""
import math
import re
from functools import lru_cache
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mpm.models  # noqa: F401  (registers the model parts)
from mpm.registry import MASKERS, MODELS
from mpm.utils.skeleton import H36M_SKELETON, MPI_INF_3DHP_SKELETON

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / 'configs'
ALL_CONFIGS = sorted(
    p.relative_to(CONFIG_DIR).as_posix() for p in CONFIG_DIR.rglob('*.py'))

#: rel path -> why its model may not build offline. Listed configs are
#: still built; only a FileNotFoundError (a missing data file) turns into a
#: skip that names the reason and the file.
#: (Empty: ActionPose configs use the text embeddings shipped in the
#: package.)
CANNOT_BUILD_OFFLINE = {}

KEEP16 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16]
#: A checkpoint a pre-training config writes: work_dirs/<config path under
#: configs/ without .py>/epoch_N.pth (or iter_N.pth).
CKPT_RE = re.compile(r'^work_dirs/(.+)/(epoch|iter)_(\d+)\.pth$')


def load(rel: str) -> Config:
    return Config.fromfile(str(CONFIG_DIR / rel))


def skeleton_meta(cfg: Config) -> dict:
    """The skeleton part of the metainfo of ``cfg``'s training set (what
    ``DatasetMetaHook`` gives the model), without reading its files."""
    loader = cfg.get('train_dataloader') or cfg.get('test_dataloader') or {}
    dataset = loader.get('dataset') or {}
    if dataset.get('type') == 'MpiInf3dhpDataset' and \
            dataset.get('joint_order', '3dhp') == '3dhp':
        return MPI_INF_3DHP_SKELETON.metainfo()
    return H36M_SKELETON.metainfo()


@lru_cache(maxsize=None)
def summary(rel: str) -> dict:
    """Build the model of ``rel`` once, give it its dataset's skeleton
    (as a run does); keep only small facts about it."""
    init_default_scope('mpm')
    cfg = load(rel)
    model = MODELS.build(cfg.model)
    if hasattr(model, 'set_dataset_meta'):
        model.set_dataset_meta(skeleton_meta(cfg))
    info = dict(
        type=type(model).__name__,
        params=sum(p.numel() for p in model.parameters()),
        shapes={k: tuple(v.shape)
                for k, v in model.state_dict().items()},
        maskers={n: m for n, m in model.named_children()
                 if n.startswith('masker')})
    temporal = getattr(getattr(model, 'trunk', None), 'temporal', None)
    if temporal is not None:
        info['depth'] = len(temporal.layers)
        info['num_frames'] = temporal.num_frames
    encoder = getattr(model, 'encoder', None)
    if encoder is not None and hasattr(encoder, 'num_joints'):
        info['num_joints'] = encoder.num_joints
    pre = model.data_preprocessor
    if hasattr(pre, 'flip_indices'):
        info['pre_flip'] = list(pre.flip_indices)
        info['keep_joints'] = getattr(pre, 'keep_joints', None)
    if hasattr(model, 'flip_indices'):
        info['model_flip'] = list(model.flip_indices)
    decoder = getattr(model, 'decoder', None)
    if decoder is not None and type(decoder).__name__ == \
            'StridedTransformerDecoder':
        info['strides'] = [layer.stride for layer in decoder.layers]
    for name in ('decoder_2d', 'decoder_3d', 'decoder_lift'):
        part = getattr(model, name, None)
        if part is not None:
            info[name] = dict(num_frames=part.num_frames,
                              num_joints=part.num_joints,
                              out_channels=part.out_channels)
    info['has_3d_branch'] = getattr(model, 'encoder_3d', None) is not None
    info['lift_pretext'] = getattr(model, 'lift_pretext', None)
    return info


def built(rel: str) -> dict:
    """:func:`summary`, or a skip naming the reason for a config listed in
    CANNOT_BUILD_OFFLINE whose data file is missing."""
    try:
        return summary(rel)
    except FileNotFoundError as err:
        if rel not in CANNOT_BUILD_OFFLINE:
            raise
        pytest.skip(f'configs/{rel} cannot build offline: '
                    f'{CANNOT_BUILD_OFFLINE[rel]} ({err})')


def _config_by_name(name: str) -> str:
    """The config whose run writes to work_dirs/<name>/: configs/<name>.py
    (the default work dir mirrors the config's place under configs/; see
    tests/test_configs/test_work_dirs.py for the full resolution)."""
    assert f'{name}.py' in ALL_CONFIGS, (
        f'work_dirs/{name}/ is the default work dir of configs/{name}.py, '
        'which does not exist')
    return f'{name}.py'


# --------------------------------------------------------------------------
# Every config
# --------------------------------------------------------------------------


def test_the_glob_finds_the_configs():
    assert len(ALL_CONFIGS) >= 30
    assert 'mpm/finetune_h36m_cpn_243f.py' in ALL_CONFIGS
    for rel in CANNOT_BUILD_OFFLINE:
        assert rel in ALL_CONFIGS, f'stale CANNOT_BUILD_OFFLINE entry {rel}'


@pytest.mark.parametrize('rel', ALL_CONFIGS)
def test_config_loads_and_builds(rel):
    text = (CONFIG_DIR / rel).read_text()
    assert text.startswith('#'), (
        f'configs/{rel} must begin with a comment saying what it reproduces '
        'and how to run it')
    cfg = load(rel)
    if 'model' not in cfg:
        assert rel.startswith('_base_/') and not rel.startswith(
            '_base_/models/'), (
                f'configs/{rel} defines no `model`: only fragments under '
                '_base_/ (datasets, schedules, runtime) may do that')
        return
    info = built(rel)
    assert info['params'] > 0
    # Window length of the data = the model's.
    if 'num_frames' in info:
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            dataset = (cfg.get(loader) or {}).get('dataset') or {}
            if dataset.get('seq_len') is not None:
                assert dataset['seq_len'] == info['num_frames'], (
                    f'{rel}: {loader}.dataset.seq_len {dataset["seq_len"]} '
                    f'!= model num_frames {info["num_frames"]}')
    # Joints after the preprocessor = the model's; flip test = flip aug.
    if 'num_joints' in info and 'pre_flip' in info:
        assert len(info['pre_flip']) == info['num_joints'], rel
    if 'model_flip' in info and 'pre_flip' in info:
        assert info['model_flip'] == info['pre_flip'], rel


PRETRAINED = [
    r for r in ALL_CONFIGS
    if 'PretrainedParts' in (CONFIG_DIR / r).read_text()
]


@pytest.mark.parametrize('rel', PRETRAINED)
def test_stage1_checkpoint_matches_its_pretraining_config(rel):
    """A fine-tuning config whose PretrainedParts checkpoint is the default
    output of a pre-training config (work_dirs/<name>/epoch_N.pth): that
    config exists, stops at N, and its encoder./trunk. weights fit."""
    init_cfg = load(rel).model.get('init_cfg') or {}
    if init_cfg.get('type') != 'PretrainedParts':
        return  # mentioned in a comment only
    match = CKPT_RE.match(init_cfg['checkpoint'])
    if match is None:
        return  # a published file (e.g. work_dirs/demo/pretrain.pth)
    name, unit, count = match.group(1), match.group(2), int(match.group(3))
    source = _config_by_name(name)
    train_cfg = load(source).train_cfg
    key = 'max_epochs' if unit == 'epoch' else 'max_iters'
    assert train_cfg.get(key) == count, (
        f'{rel} loads {init_cfg["checkpoint"]} but {source} stops at '
        f'{key}={train_cfg.get(key)}')
    stage1, stage2 = built(source)['shapes'], built(rel)['shapes']
    targets = [k for k in stage2 if k.startswith(('encoder.', 'trunk.'))
               and not k.endswith('num_batches_tracked')]
    assert targets
    missing = [k for k in targets if k not in stage1]
    wrong = [k for k in targets if k in stage1 and stage1[k] != stage2[k]]
    assert not missing and not wrong, (rel, source, missing, wrong)


# --------------------------------------------------------------------------
# Network sizes from PAPER_FACTS
# --------------------------------------------------------------------------


@pytest.mark.parametrize('rel,params', [
    ('pstmo/finetune_h36m_cpn_243f.py', 7_009_382),
    ('mpm/finetune_h36m_cpn_243f.py', 7_009_382),
    ('mpm/finetune_h36m_gt_243f.py', 7_009_382),
    ('mpm/finetune_h36m_cpn_81f.py', 6_054_246),
    ('ablations/tablec_finetune_27f.py', 5_209_702),
    ('pstmo/pstmo_s_finetune_h36m_cpn_243f.py', 6_482_278),
    ('ablations/tablea_layers3_finetune.py', 6_482_278),
    ('pstmo/pretrain_h36m_243f.py', 3_315_620),
    ('pstmo/pstmo_s_pretrain_h36m_243f.py', 2_656_036),
])
def test_parameter_counts_of_paper_facts(rel, params):
    assert summary(rel)['params'] == params


def test_gt_config_differs_from_cpn_config_only_in_the_2d_file():
    cpn = load('mpm/finetune_h36m_cpn_243f.py').to_dict()
    gt = load('mpm/finetune_h36m_gt_243f.py').to_dict()

    def swap(x):
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        if isinstance(x, list):
            return [swap(v) for v in x]
        if x == 'data_2d_h36m_cpn_ft_h36m_dbb.npz':
            return 'data_2d_h36m_gt.npz'
        return x

    assert gt['train_dataloader']['dataset']['file_2d'] == \
        'data_2d_h36m_gt.npz'
    assert gt['test_dataloader']['dataset']['file_2d'] == \
        'data_2d_h36m_gt.npz'
    assert swap(cpn) == gt


def test_pstmo_s_settings():
    info = summary('pstmo/pstmo_s_pretrain_h36m_243f.py')
    masker = info['maskers']['masker_2d']
    assert (type(masker).__name__, masker.num_joints,
            masker.frame_ratio) == ('SpatioTemporalMasker', 2, 0.8)
    assert info['depth'] == 3
    assert summary('pstmo/pstmo_s_finetune_h36m_cpn_243f.py')['depth'] == 3


# --------------------------------------------------------------------------
# Table 6: no / 2D-only / 2D + 3D pre-training
# --------------------------------------------------------------------------


def test_table6_rows():
    assert load('ablations/table6_no_pretrain.py').model.init_cfg is None
    assert not summary('ablations/table6_pretrain_2d.py')['has_3d_branch']
    assert summary('mpm/pretrain_h36m_243f.py')['has_3d_branch']
    pairs = {
        'ablations/table6_finetune_2d.py': 'ablations/table6_pretrain_2d',
        'ablations/table6_finetune_2d3d.py': 'mpm/pretrain_h36m_243f'
    }
    for rel, name in pairs.items():
        ckpt = load(rel).model.init_cfg.checkpoint
        assert CKPT_RE.match(ckpt).group(1) == name


# --------------------------------------------------------------------------
# Table A: shared layers, frames, 3D decoder in stage I
# --------------------------------------------------------------------------


@pytest.mark.parametrize('layers', [2, 3, 5])
def test_table_a_shared_layers(layers):
    for stage in ('pretrain', 'finetune'):
        assert summary(f'ablations/tablea_layers{layers}_{stage}.py')[
            'depth'] == layers
    assert summary('mpm/pretrain_h36m_243f.py')['depth'] == 4


def test_table_a_81_frames():
    pre = summary('ablations/tablea_frames81_pretrain.py')
    fine = summary('ablations/tablea_frames81_finetune.py')
    assert pre['num_frames'] == fine['num_frames'] == 81
    assert pre['decoder_2d']['num_frames'] == 81
    assert pre['decoder_3d']['num_frames'] == 81
    assert fine['strides'] == [3, 3, 3, 3]  # 81 -> 27 -> 9 -> 3 -> 1
    assert math.prod(fine['strides']) == 81
    assert summary('mpm/finetune_h36m_cpn_243f.py')['strides'] == [3] * 5


def test_table_a_3d_decoder_in_stage_1():
    info = summary('ablations/tablea_decoder3d_stage1_pretrain.py')
    assert info['lift_pretext'] is True
    assert info['decoder_lift'] == dict(num_frames=243, num_joints=17,
                                        out_channels=3)
    assert summary('mpm/pretrain_h36m_243f.py')['lift_pretext'] is False


# --------------------------------------------------------------------------
# Table B: spatial / temporal / spatio-temporal masking at 71.8 %
# --------------------------------------------------------------------------


def expected_fraction(masker, T, J):
    """Fraction of hidden (frame, joint) entries, from the masker's
    parameters: int(r * T) whole frames, k of J joints elsewhere."""
    name = type(masker).__name__
    if name == 'SpatialMasker':
        return masker.num_joints / J
    frames = math.floor(masker.frame_ratio * T)
    if name == 'TemporalMasker':
        return frames / T
    assert name == 'SpatioTemporalMasker'
    return (frames * J + (T - frames) * masker.num_joints) / (T * J)


TABLE_B = {
    'SpatioTemporalMasker': 'mpm/pretrain_h36m_243f.py',
    'SpatialMasker': 'ablations/tableb_spatial_pretrain.py',
    'TemporalMasker': 'ablations/tableb_temporal_pretrain.py',
}


@pytest.mark.parametrize('kind', sorted(TABLE_B))
def test_table_b_masking_ratio_is_71_8_percent(kind):
    T, J = 243, 17
    info = summary(TABLE_B[kind])
    assert info['num_frames'] == T
    for branch in ('masker_2d', 'masker_3d'):
        masker = info['maskers'][branch]
        assert type(masker).__name__ == kind
        fraction = expected_fraction(masker, T, J)
        # As close to 71.8 % as the masker's granularity allows.
        assert abs(fraction - 0.718) < 0.013
        if kind == 'SpatialMasker':
            best = min(range(J + 1), key=lambda k: abs(k / J - 0.718))
            assert masker.num_joints == best == 12
        elif kind == 'TemporalMasker':
            best = min(range(T), key=lambda n: abs(n / T - 0.718))
            assert math.floor(masker.frame_ratio * T) == best == 174
        else:  # the paper's nominal 0.6 + 0.4 * 5 / 17 = 71.76 %
            nominal = masker.frame_ratio + (
                1 - masker.frame_ratio) * masker.num_joints / J
            assert round(nominal, 3) == 0.718
            assert fraction == pytest.approx(2955 / 4131)
        # The masks drawn have exactly that fraction.
        torch.manual_seed(0)
        mask = masker(torch.zeros(4, T, J, 2))
        assert mask.float().mean().item() == pytest.approx(fraction,
                                                           abs=1e-6)


# --------------------------------------------------------------------------
# Table C: the r_s x r_t grid at 27 frames
# --------------------------------------------------------------------------

GRID_RS = [2, 3, 5, 7, 9]
GRID_RT = [0.4, 0.5, 0.6, 0.7, 0.8]


def grid_options(rs, rt):
    """The --cfg-options of the documented sweep."""
    return {
        'model.masker_2d.num_joints': rs,
        'model.masker_2d.frame_ratio': rt,
        'model.masker_3d.num_joints': rs,
        'model.masker_3d.frame_ratio': rt,
    }


def test_table_c_sweep_is_documented_with_these_options():
    for path in (CONFIG_DIR / 'ablations/tablec_pretrain_27f.py',
                 CONFIG_DIR / 'ablations/README.md'):
        text = path.read_text()
        for key in grid_options(0, 0):
            branch, name = key.split('.')[1:]
            value = '$rs' if name == 'num_joints' else '$rt'
            assert f'{key}={value}' in text, (path, key)
        assert 'for rs in 2 3 5 7 9' in text
        assert 'for rt in 0.4 0.5 0.6 0.7 0.8' in text


def test_table_c_grid():
    rel = 'ablations/tablec_pretrain_27f.py'
    T, J = 27, 17
    assert summary(rel)['num_frames'] == T
    assert summary('ablations/tablec_finetune_27f.py')['num_frames'] == T
    init_default_scope('mpm')
    for rs in GRID_RS:
        for rt in GRID_RT:
            cfg = load(rel)
            cfg.merge_from_dict(grid_options(rs, rt))
            for branch in ('masker_2d', 'masker_3d'):
                masker = MASKERS.build(cfg.model[branch])
                assert (masker.num_joints, masker.frame_ratio) == (rs, rt)
                mask = masker(torch.zeros(2, T, J, 2))
                whole = mask.all(-1)
                assert (whole.sum(1) == math.floor(rt * T + 1e-9)).all()
                assert (mask[~whole].sum(-1) == rs).all()


def test_table_c_extreme_cell_trains_one_step():
    cfg = load('ablations/tablec_pretrain_27f.py')
    cfg.merge_from_dict(grid_options(9, 0.8))
    init_default_scope('mpm')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    batch = model.data_preprocessor(
        dict(keypoints_2d=torch.randn(2, 27, 17, 2),
             keypoints_3d=torch.randn(2, 27, 17, 3) * 0.2), training=True)
    losses = model(**batch, mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())


# --------------------------------------------------------------------------
# 16-joint mode and MPM Table 5 (J = 16)
# --------------------------------------------------------------------------


def test_16_joint_mode():
    flip16 = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 13, 14, 15, 10, 11, 12]
    for rel in ('ablations/joints16_pretrain_h36m_243f.py',
                'ablations/joints16_finetune_h36m_cpn_243f.py'):
        info = summary(rel)
        assert info['keep_joints'] == KEEP16  # joint 9 (neck/nose) dropped
        assert info['pre_flip'] == flip16
        assert info['num_joints'] == 16
    assert summary('ablations/joints16_finetune_h36m_cpn_243f.py')[
        'model_flip'] == flip16
    pre = summary('ablations/joints16_pretrain_h36m_243f.py')
    assert pre['decoder_2d']['num_joints'] == pre['decoder_3d'][
        'num_joints'] == 16


def test_table5_stage1_parts_at_16_joints():
    """Paper-convention counts of the J = 16 stage I parts at F = 243.

    Closed forms: encoder Linear(J*C -> 512) + BN(512); decoder one block
    (attention 4*(256*256+256) + FFN 256*512+512+512*256+256, LayerNorms not
    counted) + BN(256) + Linear(256 -> J*C). FLOPs = 2 x (MACs + 4 per BN
    output element).

    MPM Table 5: encoders 17.9K / 8.9M and 26.1K / 12.9M; decoders
    532.2K / 259.3M (2D) and 534.3K / 261.3M (3D, stage I). FLOPs and the
    encoders' parameters agree; the decoders' parameters do not (ours:
    534,816 and 538,928; the 2D-3D difference of a Linear(256 -> J) is
    4,112, the table's 2.1K), see configs/ablations/README.md.
    """
    from mpm.utils.complexity import count_complexity
    init_default_scope('mpm')
    model = MODELS.build(
        load('ablations/joints16_pretrain_h36m_243f.py').model)
    T, J, D = 243, 16, 256
    block = 4 * (D * D + D) + (D * 512 + 512) + (512 * D + D)
    assert block == 526_080
    parts = {
        'encoder_2d': (model.encoder, torch.zeros(1, T, J, 2),
                       J * 2 * 512 + 512 + 2 * 512,
                       2 * T * (J * 2 * 512 + 4 * 512), 17.9e3, 8.9e6),
        'encoder_3d': (model.encoder_3d, torch.zeros(1, T, J, 3),
                       J * 3 * 512 + 512 + 2 * 512,
                       2 * T * (J * 3 * 512 + 4 * 512), 26.1e3, 12.9e6),
        'decoder_2d': (model.decoder_2d, torch.zeros(1, T, D),
                       block + 2 * D + D * J * 2 + J * 2,
                       2 * T * (4 * D * D + 2 * D * 512 + D * J * 2 + 4 * D),
                       None, 259.3e6),
        'decoder_3d': (model.decoder_3d, torch.zeros(1, T, D),
                       block + 2 * D + D * J * 3 + J * 3,
                       2 * T * (4 * D * D + 2 * D * 512 + D * J * 3 + 4 * D),
                       None, 261.3e6),
    }
    for name, (module, x, params, flops, t5_params, t5_flops) in \
            parts.items():
        result = count_complexity(module, x)['paper']
        assert result['params'] == params, name
        assert result['flops'] == flops, name
        if t5_params is not None:
            assert round(params / 1e2) / 10 == t5_params / 1e3, name
        assert abs(flops - t5_flops) < 0.06e6, name
    assert (parts['decoder_2d'][2], parts['decoder_3d'][2]) == (534_816,
                                                                538_928)


def test_table5_shared_layers_are_the_5_layer_trunk():
    """Table 5 "shared layers" 3,289.1K = spatial MLP (658,688) + 5
    temporal layers (526,080 each without LayerNorms)."""
    from mpm.utils.complexity import _paper_param_names
    init_default_scope('mpm')
    trunk = MODELS.build(
        load('ablations/tablea_layers5_pretrain.py').model).trunk
    keep = _paper_param_names(trunk)
    paper = sum(p.numel() for n, p in trunk.named_parameters() if n in keep)
    assert paper == 658_688 + 5 * 526_080 == 3_289_088
