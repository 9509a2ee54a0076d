"""Shared facts (cameras, action-label sets, skeleton tables, the PCK joint
set) live in mpm.utils: models and metrics never import a dataset module,
evaluation.tables and the metrics import in one direction only, and the old
import paths under mpm.datasets still give the same objects."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path):
    """Absolute names of the modules ``path`` imports (relative imports
    resolved against its package)."""
    package = '.'.join(path.relative_to(ROOT).with_suffix('').parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                module = '.'.join(base + ([node.module] if node.module
                                          else []))
            else:
                module = node.module
            names.add(module)
            names.update(f'{module}.{alias.name}' for alias in node.names)
    return names


@pytest.mark.parametrize('folder', ['mpm/models', 'mpm/evaluation',
                                    'mpm/utils'])
def test_models_metrics_and_utils_do_not_import_datasets(folder):
    offenders = {}
    for path in sorted((ROOT / folder).rglob('*.py')):
        bad = sorted(n for n in imported_modules(path)
                     if n == 'mpm.datasets' or n.startswith('mpm.datasets.'))
        if bad:
            offenders[path.relative_to(ROOT).as_posix()] = bad
    assert not offenders, offenders


def test_tables_and_metrics_import_in_one_direction():
    tables = imported_modules(ROOT / 'mpm/evaluation/tables.py')
    assert not [n for n in tables if n.startswith('mpm.evaluation.metrics')]


def test_old_import_paths_give_the_same_objects():
    import mpm.datasets.action_labels as old_labels
    import mpm.datasets.camera as old_camera
    import mpm.datasets.mpi_inf_3dhp as old_3dhp
    import mpm.evaluation.metrics.mpjpe_metric as metric
    from mpm.utils import action_labels, camera, skeleton
    from mpm.utils.natural_sort import natural_sort_key
    assert old_camera.h36m_cameras is camera.h36m_cameras
    assert old_camera.Camera is camera.Camera
    assert old_labels.ActionVocabulary is action_labels.ActionVocabulary
    assert old_3dhp.pck_joint_indices is skeleton.pck_joint_indices
    assert old_3dhp.sequence_sort_key is natural_sort_key
    assert metric.ordered_actions is action_labels.ordered_actions
    from mpm.datasets.synthetic.motion import ACTIONS
    assert ACTIONS is skeleton.SYNTHETIC_ACTIONS


def test_the_camera_table_ships_with_the_shared_module():
    from mpm.utils.camera import CAMERA_TABLE, h36m_cameras
    assert Path(CAMERA_TABLE).is_file()
    assert Path(CAMERA_TABLE).parent.parent == ROOT / 'mpm' / 'utils'
    assert len(h36m_cameras()['S1']) == 4


def test_pck_joints_and_natural_order():
    from mpm.utils.natural_sort import natural_sort_key
    from mpm.utils.skeleton import MPI_INF_3DHP_SKELETON, pck_joint_indices
    names = MPI_INF_3DHP_SKELETON.joint_names
    kept = [names[j] for j in pck_joint_indices('3dhp')]
    assert len(kept) == 14
    assert not {'pelvis', 'spine', 'head'} & set(kept)
    assert len(pck_joint_indices('h36m')) == 14
    assert sorted(['TS10', 'TS2', 'S2 Seq10', 'S2 Seq9'],
                  key=natural_sort_key) == ['S2 Seq9', 'S2 Seq10', 'TS2',
                                            'TS10']


def test_corpus_label_set_names_the_generator_families_in_order():
    """The 'corpus' label set (a shared fact, importable without dataset
    code) is exactly the generator's family list, in label-index order."""
    from mpm.datasets.synthetic.motion_families import FAMILY_NAMES
    from mpm.utils.action_labels import ACTION_LABEL_SETS
    from mpm.utils.skeleton import CORPUS_FAMILIES
    assert CORPUS_FAMILIES == FAMILY_NAMES
    assert ACTION_LABEL_SETS['corpus'] == FAMILY_NAMES
