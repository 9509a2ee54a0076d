"""Convert the official MPI-INF-3DHP release into P-STMO's two npz files.

Example::

    python tools/dataset_converters/prepare_3dhp.py \\
        --data-root /datasets/mpi_inf_3dhp --out-dir data/mpi_inf_3dhp

Where the official files come from (https://vcai.mpi-inf.mpg.de/3dhp-dataset/;
accept the license, then run the release's ``get_dataset.sh`` (configured by
its ``conf.ig``) for the training set and ``get_testset.sh`` for the test
set):

- Training annotations: ``<data-root>/S{1..8}/Seq{1,2}/annot.mat``
  (MATLAB v5, read with ``scipy.io.loadmat``). ``annot2`` and ``annot3`` are
  (14, 1) cell arrays, one cell per camera 0-13, holding (N, 56) pixels and
  (N, 84) camera-frame millimetres: 28 joints x (x, y) / (x, y, z).
- Test annotations: ``<test-dir>/TS{1..6}/annot_data.mat`` with
  ``<test-dir>`` = ``<data-root>/mpi_inf_3dhp_test_set`` by default (the
  folder unpacked from ``mpi_inf_3dhp_test_set.zip``; MATLAB v7.3 = HDF5,
  read with ``h5py``). ``annot2`` (2, 17, 1, N) pixels, ``annot3`` /
  ``univ_annot3`` (3, 17, 1, N) mm in MATLAB's order (h5py shows them as
  (N, 1, 17, C)) and ``valid_frame`` (1, N) 0/1. The 17 joints are already
  in the evaluation order.

Output (P-STMO's layout, read by ``mpm.datasets.MpiInf3dhpDataset``):

- ``data_train_3dhp.npz``, key ``data``: ``'S{s} Seq{q}'`` ->
  ``[{camera id '0', '1', '2', '4', ..., '8': {'data_2d': (N, 17, 2) pixels,
  'data_3d': (N, 17, 3) mm}}, fps]`` from ``annot2`` / ``annot3`` of cameras
  0, 1, 2, 4, 5, 6, 7, 8 (``--cameras``), 17 of the 28 joints.
- ``data_test_3dhp.npz``, key ``data``: ``'TS{i}'`` -> ``{'data_2d':
  (N, 17, 2) pixels, 'data_3d': (N, 17, 3) mm from univ_annot3, 'valid':
  (N,) 0/1}``.

The 28 -> 17 joint selection, derived from the official 28-joint names
(``mpii_get_joint_set.m``, sets ``'all'`` and ``'relevant'``), 0-based::

    head_top 7, neck 5, right_shoulder 14, right_elbow 15, right_wrist 16,
    left_shoulder 9, left_elbow 10, left_wrist 11, right_hip 23,
    right_knee 24, right_ankle 25, left_hip 18, left_knee 19, left_ankle 20,
    pelvis 4, spine 3, head 6

(``mpm.datasets.mpi_inf_3dhp.MPI_INF_3DHP_28_TO_17``). Training frame counts
and frame rates are those of the official ``mpii_get_sequence_info.m``
(:data:`TRAIN_SEQUENCE_INFO`); annotation rows beyond the frame count are
dropped.

scipy and h5py are optional dependencies of mpm
(``pip install -r requirements/optional.txt``); they are imported only when
a ``.mat`` file is read.
"""
import argparse
import importlib
import os
import os.path as osp
import sys
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from mpm.datasets.mpi_inf_3dhp import (MPI_INF_3DHP_28_JOINT_NAMES,
                                       MPI_INF_3DHP_28_TO_17,
                                       MPI_INF_3DHP_TEST_SEQUENCES,
                                       MPI_INF_3DHP_TRAIN_CAMERAS)

#: (subject, sequence) -> (frames, fps) of the training sequences, from the
#: official ``mpii_get_sequence_info.m``.
TRAIN_SEQUENCE_INFO: Dict[Tuple[int, int], Tuple[int, int]] = {
    (1, 1): (6416, 25), (1, 2): (12430, 50), (2, 1): (6502, 25),
    (2, 2): (6081, 25), (3, 1): (12488, 50), (3, 2): (12283, 50),
    (4, 1): (6171, 25), (4, 2): (6675, 25), (5, 1): (12820, 50),
    (5, 2): (12312, 50), (6, 1): (6188, 25), (6, 2): (6145, 25),
    (7, 1): (6239, 25), (7, 2): (6320, 25), (8, 1): (6468, 25),
    (8, 2): (6054, 25),
}
TRAIN_SUBJECTS = tuple(range(1, 9))
TRAIN_SEQUENCES = (1, 2)
NUM_RAW_JOINTS = len(MPI_INF_3DHP_28_JOINT_NAMES)  # 28
NUM_JOINTS = len(MPI_INF_3DHP_28_TO_17)  # 17

_INSTALL = ('pip install {pkg}  (or: pip install -r '
            'requirements/optional.txt)')


def _import_optional(name: str, purpose: str):
    """Import an optional dependency or explain how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        pkg = name.split('.')[0]
        raise ImportError(
            f'{purpose} needs the optional package {pkg}, which is not '
            f'installed. Install it with: {_INSTALL.format(pkg=pkg)}') from err


def _is_hdf5_mat(path: str) -> bool:
    """MATLAB v7.3 files are HDF5 files with a 'MATLAB 7.3' text header."""
    with open(path, 'rb') as f:
        head = f.read(128)
    return head.startswith(b'\x89HDF') or b'MATLAB 7.3' in head


def load_mat(path: str, keys: Optional[Sequence[str]] = None) -> Dict[str,
                                                                     Any]:
    """Read a ``.mat`` file into a dict of numpy arrays.

    MATLAB v5 files (training ``annot.mat``) go through
    ``scipy.io.loadmat``: arrays keep MATLAB's axis order and cell arrays are
    object arrays. v7.3 (HDF5) files (test ``annot_data.mat``) go through
    ``h5py``: axes come reversed, e.g. ``annot2`` is (N, 1, 17, 2).

    Args:
        path: the ``.mat`` file.
        keys: the variables to read (all when None).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ImportError: scipy / h5py is missing (with the install command).
        KeyError: a requested variable is not in the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'MPI-INF-3DHP annotation file not found: '
                                f'{path}.')
    if _is_hdf5_mat(path):
        h5py = _import_optional('h5py', f'Reading the MATLAB v7.3 file '
                                f'{path}')
        with h5py.File(path, 'r') as f:
            names = list(f.keys()) if keys is None else list(keys)
            missing = [k for k in names if k not in f]
            if missing:
                raise KeyError(f'{path}: variables {missing} not found; '
                               f'the file has {sorted(f.keys())}.')
            return {k: np.array(f[k]) for k in names}
    sio = _import_optional('scipy.io', f'Reading the MATLAB file {path}')
    mat = sio.loadmat(path, variable_names=None if keys is None else
                      list(keys))
    if keys is not None:
        missing = [k for k in keys if k not in mat]
        if missing:
            present = sorted(k for k in mat if not k.startswith('__'))
            raise KeyError(f'{path}: variables {missing} not found; the '
                           f'file has {present}.')
    return {k: v for k, v in mat.items() if not k.startswith('__')}


# --------------------------------------------------------------- training
def _cells(value: Any, path: str, key: str) -> np.ndarray:
    """A MATLAB cell array (loadmat: object array (14, 1)) -> flat array."""
    cells = np.asarray(value)
    if cells.dtype != object:
        raise ValueError(
            f"{path}: '{key}' is a {cells.dtype} array of shape "
            f'{cells.shape}, expected a cell array with one cell per camera '
            '(the official training annot.mat, MATLAB v5).')
    return cells.reshape(-1)


def _raw_joints(cell: Any, dim: int, where: str) -> np.ndarray:
    """(N, 28 * dim) annotation rows -> (N, 17, dim) selected joints."""
    arr = np.asarray(cell, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != NUM_RAW_JOINTS * dim:
        raise ValueError(
            f'{where}: shape {arr.shape}, expected (N, '
            f'{NUM_RAW_JOINTS * dim}) = {NUM_RAW_JOINTS} joints x {dim} '
            'coordinates per frame.')
    return arr.reshape(len(arr), NUM_RAW_JOINTS,
                       dim)[:, list(MPI_INF_3DHP_28_TO_17)]


def convert_train_sequence(annot: Dict[str, Any], path: str,
                           cameras: Sequence[int] = MPI_INF_3DHP_TRAIN_CAMERAS,
                           num_frames: Optional[int] = None
                           ) -> Dict[str, Dict[str, np.ndarray]]:
    """One training ``annot.mat`` -> ``{camera id: {'data_2d', 'data_3d'}}``.

    Args:
        annot: the variables of the file (``annot2``, ``annot3``) as
            :func:`load_mat` returns them.
        path: the file, for messages.
        cameras: camera indices (0-13) to keep.
        num_frames: keep at most this many frames (the official count).

    Returns:
        camera id string -> dict of float32 arrays (N, 17, 2) pixels and
        (N, 17, 3) camera-frame millimetres.
    """
    out = {}
    cells2 = _cells(annot['annot2'], path, 'annot2')
    cells3 = _cells(annot['annot3'], path, 'annot3')
    for cam in cameras:
        if not 0 <= cam < min(len(cells2), len(cells3)):
            raise ValueError(
                f'{path}: camera {cam} requested but the file has '
                f'{min(len(cells2), len(cells3))} camera cells.')
        kp2d = _raw_joints(cells2[cam], 2, f"{path}, annot2 camera {cam}")
        kp3d = _raw_joints(cells3[cam], 3, f"{path}, annot3 camera {cam}")
        if len(kp2d) != len(kp3d):
            raise ValueError(f'{path}, camera {cam}: annot2 has {len(kp2d)} '
                             f'frames but annot3 has {len(kp3d)}.')
        n = len(kp3d) if num_frames is None else min(len(kp3d), num_frames)
        out[str(cam)] = dict(data_2d=kp2d[:n].astype(np.float32),
                             data_3d=kp3d[:n].astype(np.float32))
    return out


def convert_train(data_root: str,
                  subjects: Sequence[int] = TRAIN_SUBJECTS,
                  sequences: Sequence[int] = TRAIN_SEQUENCES,
                  cameras: Sequence[int] = MPI_INF_3DHP_TRAIN_CAMERAS,
                  log: Callable[[str], None] = print) -> Dict[str, list]:
    """All training sequences -> the dict stored under ``data``.

    Returns:
        ``'S{s} Seq{q}'`` -> ``[{camera id: {'data_2d', 'data_3d'}}, fps]``.
    """
    data = {}
    for s in subjects:
        for q in sequences:
            path = osp.join(data_root, f'S{s}', f'Seq{q}', 'annot.mat')
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path} not found: the training annotations of S{s} '
                    f'Seq{q} come with the official release '
                    '(get_dataset.sh). Check --data-root, or restrict '
                    '--subjects.')
            frames, fps = TRAIN_SEQUENCE_INFO.get((s, q), (None, 25))
            log(f'reading {path}')
            annot = load_mat(path, ['annot2', 'annot3'])
            data[f'S{s} Seq{q}'] = [
                convert_train_sequence(annot, path, cameras, frames), fps
            ]
    return data


# -------------------------------------------------------------------- test
def _test_joints(value: Any, dim: int, where: str) -> np.ndarray:
    """Test annotation -> (N, 17, dim) float32.

    Accepts h5py's (N, 1, 17, dim), MATLAB/scipy's (dim, 17, 1, N) and a
    plain (N, 17, dim).
    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 4 and arr.shape[1:] == (1, NUM_JOINTS, dim):
        arr = arr[:, 0]
    elif arr.ndim == 4 and arr.shape[:3] == (dim, NUM_JOINTS, 1):
        arr = arr[:, :, 0].transpose(2, 1, 0)
    elif not (arr.ndim == 3 and arr.shape[1:] == (NUM_JOINTS, dim)):
        raise ValueError(
            f'{where}: shape {arr.shape}, expected (N, 1, {NUM_JOINTS}, '
            f'{dim}) (h5py) or ({dim}, {NUM_JOINTS}, 1, N) (MATLAB order).')
    return np.ascontiguousarray(arr, dtype=np.float32)


def convert_test_sequence(annot: Dict[str, Any],
                          path: str) -> Dict[str, np.ndarray]:
    """One test ``annot_data.mat`` -> ``{'data_2d', 'data_3d', 'valid'}``
    (float32 pixels, float32 mm from ``univ_annot3``, uint8 0/1)."""
    kp2d = _test_joints(annot['annot2'], 2, f'{path}, annot2')
    kp3d = _test_joints(annot['univ_annot3'], 3, f'{path}, univ_annot3')
    valid = np.asarray(annot['valid_frame']).reshape(-1)
    if not len(kp2d) == len(kp3d) == len(valid):
        raise ValueError(
            f'{path}: annot2 has {len(kp2d)} frames, univ_annot3 '
            f'{len(kp3d)} and valid_frame {len(valid)}; they must match.')
    if not np.isin(valid, (0, 1)).all():
        raise ValueError(f'{path}: valid_frame must hold 0 / 1, found '
                         f'{np.unique(valid)[:5]}.')
    return dict(data_2d=kp2d, data_3d=kp3d, valid=valid.astype(np.uint8))


def convert_test(test_dir: str,
                 sequences: Sequence[str] = MPI_INF_3DHP_TEST_SEQUENCES,
                 log: Callable[[str], None] = print) -> Dict[str, dict]:
    """All test sequences -> the dict stored under ``data``."""
    data = {}
    for seq in sequences:
        path = osp.join(test_dir, seq, 'annot_data.mat')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: the test annotations come with the '
                'official test set (get_testset.sh, '
                'mpi_inf_3dhp_test_set.zip). Check --test-dir / '
                '--data-root, or restrict --test-sequences.')
        log(f'reading {path}')
        annot = load_mat(path, ['annot2', 'univ_annot3', 'valid_frame'])
        data[seq] = convert_test_sequence(annot, path)
    return data


def save(data: dict, path: str) -> None:
    """Write ``data`` under key ``data`` (a pickled dict, as P-STMO)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    np.savez_compressed(path, data=data)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert the official MPI-INF-3DHP annotations into '
        'data_train_3dhp.npz / data_test_3dhp.npz (P-STMO layout).',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--data-root', required=True,
                        help='official release folder holding S1..S8')
    parser.add_argument('--test-dir', default=None,
                        help='folder holding TS1..TS6 (default: '
                        '<data-root>/mpi_inf_3dhp_test_set)')
    parser.add_argument('--out-dir', default='data/mpi_inf_3dhp',
                        help='output folder')
    parser.add_argument('--split', choices=('train', 'test', 'both'),
                        default='both')
    parser.add_argument('--subjects', type=int, nargs='+',
                        default=list(TRAIN_SUBJECTS))
    parser.add_argument('--sequences', type=int, nargs='+',
                        default=list(TRAIN_SEQUENCES),
                        help='training sequences per subject')
    parser.add_argument('--cameras', type=int, nargs='+',
                        default=list(MPI_INF_3DHP_TRAIN_CAMERAS),
                        help='training cameras (0-13)')
    parser.add_argument('--test-sequences', nargs='+',
                        default=list(MPI_INF_3DHP_TEST_SEQUENCES))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    test_dir = args.test_dir or osp.join(args.data_root,
                                         'mpi_inf_3dhp_test_set')
    if args.split in ('train', 'both'):
        data = convert_train(args.data_root, args.subjects, args.sequences,
                             args.cameras)
        out = osp.join(args.out_dir, 'data_train_3dhp.npz')
        save(data, out)
        print(f'wrote {out} ({len(data)} sequences)')
    if args.split in ('test', 'both'):
        data = convert_test(test_dir, args.test_sequences)
        out = osp.join(args.out_dir, 'data_test_3dhp.npz')
        save(data, out)
        valid = sum(int(v['valid'].sum()) for v in data.values())
        print(f'wrote {out} ({len(data)} sequences, {valid} valid frames)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
