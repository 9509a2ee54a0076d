"""Convert AMASS body-model parameters into Human3.6M-17 joints at 50 fps.

AMASS ships SMPL-family parameters, not joints. This script poses the
user's own licensed body model with each sequence's parameters, regresses the
17 Human3.6M joints from the mesh vertices with a joint regressor and
resamples them to 50 fps (the Human3.6M frame rate)::

    python tools/dataset_converters/prepare_amass.py \\
        --amass-dir data/amass/raw --body-model data/body_models/smplh \\
        --regressor data/body_models/J_regressor_h36m.npy \\
        --out data/amass/amass_h36m_50fps.npz

Where the inputs come from (each needs its own free registration/licence):

- AMASS (https://amass.is.tue.mpg.de, "Downloads"): the per-dataset archives
  of body data, "SMPL+H G" (``poses`` (N, 156), 16 ``betas``,
  ``mocap_framerate``) or "SMPL-X N/G" (``poses`` (N, 165),
  ``mocap_frame_rate``). Extract them under ``--amass-dir`` (any depth:
  ``CMU/01/01_01_poses.npz``, ...). Files without ``poses`` (per-subject
  ``shape.npz`` / ``*_stagei.npz``) are skipped.
- Body models: SMPL+H from https://mano.is.tue.mpg.de ("Extended SMPL+H
  model", the one AMASS uses: ``smplh/{male,female,neutral}/model.npz``)
  or SMPL-X from https://smpl-x.is.tue.mpg.de (``SMPLX_{MALE,FEMALE,
  NEUTRAL}.npz``). ``--body-model`` is such a file (used for every sequence)
  or the folder holding them (the gender of each sequence picks the file).
- Joint regressor: ``J_regressor_h36m.npy``, a (17, 6890) matrix mapping
  SMPL / SMPL+H vertices to the 17 Human3.6M joints in their usual order
  (pelvis, r_hip, r_knee, r_ankle, l_hip, l_knee, l_ankle, spine, thorax,
  neck, head, l_shoulder, l_elbow, l_wrist, r_shoulder, r_elbow, r_wrist), as
  distributed with the data of the common mesh-recovery code bases (SPIN,
  VIBE). SMPL-X meshes (10475 vertices) need a regressor made for SMPL-X.

Backends (``--backend``): ``smplx`` poses the model with the ``smplx``
package (``pip install smplx``; reads .npz and .pkl models); ``numpy`` is a
self-contained linear-blend-skinning implementation of the SMPL family that
reads the .npz model files (``v_template``, ``shapedirs``, ``posedirs``,
``J_regressor``, ``weights``, ``kintree_table``) and only evaluates the
vertices the regressor uses; ``auto`` (default) picks ``smplx`` when it is
installed. AMASS's DMPL soft-tissue coefficients are not applied.

Resampling: the joints are computed at the source frames and linearly
interpolated to the times ``k / 50`` s, ``k = 0 .. floor((N - 1) * 50 /
fps)``: the joint at time ``t`` is ``(1 - w) J[i] + w J[i + 1]`` with ``i =
floor(t * fps)``, ``w = t * fps - i``. Only the source frames that an output
frame uses are posed.

Output (read by ``mpm.datasets.AmassDataset``): an .npz with
``positions_3d``: dict sequence name (path below ``--amass-dir`` without
``.npz``, '/'-separated, e.g. ``'CMU/01/01_01_poses'``) -> (M, 17, 3)
float32 metres in the AMASS world frame (Z up, floor near z = 0, like the
Human3.6M world frame), and ``metadata``: dict(fps=50.0, units='m',
up_axis='z', layout='h36m-17', source_fps, gender, model_type, num_frames).
``--npy-cache`` also writes ``<out>.npy`` (all frames concatenated, float32,
for memory-mapping) and ``<out>.json`` (sequence names, starts, lengths).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

#: Output frame rate (Human3.6M).
TARGET_FPS = 50.0
#: Length of the ``poses`` vector -> body model family.
POSE_DIMS = {156: 'smplh', 165: 'smplx'}
SMPLX_INSTALL_HINT = (
    'The smplx backend needs the `smplx` package: `pip install smplx` (see '
    'requirements/optional.txt), or use `--backend numpy` with the .npz '
    'body-model files.')

BodyModelFn = Callable[[Dict[str, np.ndarray]], np.ndarray]


# --------------------------------------------------------------------- input
def load_amass_sequence(path: str) -> Optional[Dict[str, object]]:
    """Read one AMASS parameter file.

    Returns:
        ``dict(poses (N, P) float64 axis-angle radians, trans (N, 3) float64
        metres, betas (B,) float64, fps float, gender str, model_type str
        ('smplh' / 'smplx' / 'unknown'))``, or ``None`` when the file has no
        ``poses`` (AMASS's per-subject shape files).

    Raises:
        ValueError: a missing frame rate, inconsistent shapes or NaNs, with
            the file named.
    """
    with np.load(path, allow_pickle=False) as data:
        keys = set(data.files)
        if 'poses' not in keys:
            return None
        poses = np.asarray(data['poses'], np.float64)
        for key in ('trans', 'betas'):
            if key not in keys:
                raise ValueError(f'{path}: no {key!r} array (keys: '
                                 f'{sorted(keys)}); not an AMASS file?')
        trans = np.asarray(data['trans'], np.float64)
        betas = np.asarray(data['betas'], np.float64).reshape(-1)
        fps_key = next((k for k in ('mocap_framerate', 'mocap_frame_rate')
                        if k in keys), None)
        if fps_key is None:
            raise ValueError(
                f'{path}: no frame rate (neither mocap_framerate nor '
                f'mocap_frame_rate; keys: {sorted(keys)}).')
        fps = float(np.asarray(data[fps_key]))
        gender = 'neutral'
        if 'gender' in keys:
            gender = np.asarray(data['gender']).item()
            if isinstance(gender, bytes):
                gender = gender.decode('utf8')
            gender = str(gender).strip().lower() or 'neutral'
        model_type = None
        if 'surface_model_type' in keys:
            model_type = str(np.asarray(data['surface_model_type']).item())
    if poses.ndim != 2 or poses.shape[1] % 3 or len(poses) < 1:
        raise ValueError(f'{path}: poses has shape {poses.shape}, expected '
                         '(N, 3K) axis-angle vectors with N >= 1.')
    if trans.shape != (len(poses), 3):
        raise ValueError(f'{path}: trans has shape {trans.shape}, expected '
                         f'({len(poses)}, 3) to match poses.')
    if not (np.isfinite(poses).all() and np.isfinite(trans).all()):
        raise ValueError(f'{path}: NaN/inf in poses or trans.')
    if not fps > 0:
        raise ValueError(f'{path}: frame rate {fps} is not positive.')
    if model_type is None:
        model_type = POSE_DIMS.get(poses.shape[1], 'unknown')
    return dict(poses=poses, trans=trans, betas=betas, fps=fps,
                gender=gender, model_type=model_type.lower())


def find_amass_files(root: str) -> List[str]:
    """Sorted ``.npz`` paths below ``root`` (any depth)."""
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'AMASS folder not found: {root}. Download the body data from '
            'https://amass.is.tue.mpg.de and extract the archives there.')
    found = []
    for dirpath, _, files in os.walk(root):
        found += [osp.join(dirpath, f) for f in files if f.endswith('.npz')]
    return sorted(found)


def sequence_name(path: str, root: str) -> str:
    """'CMU/01/01_01_poses' for ``root/CMU/01/01_01_poses.npz``."""
    rel = osp.relpath(path, root)
    return osp.splitext(rel)[0].replace(os.sep, '/')


# ---------------------------------------------------------------- resampling
def resample_plan(num_frames: int, src_fps: float,
                  dst_fps: float = TARGET_FPS
                  ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear-interpolation plan from ``src_fps`` to ``dst_fps``.

    Output frame ``k`` is at time ``k / dst_fps`` (s), ``k = 0 .. M - 1`` with
    ``M = floor((num_frames - 1) * dst_fps / src_fps) + 1`` (no extrapolation
    past the last source frame).

    Returns:
        ``(i0, i1, w)``, each (M,): output ``k`` = ``(1 - w[k]) x[i0[k]] +
        w[k] x[i1[k]]``, ``i1 = min(i0 + 1, num_frames - 1)``.
    """
    if num_frames < 1 or not src_fps > 0 or not dst_fps > 0:
        raise ValueError(f'bad resampling request: {num_frames} frames, '
                         f'{src_fps} -> {dst_fps} fps.')
    ratio = src_fps / dst_fps
    eps = 1e-9
    count = int(np.floor((num_frames - 1) / ratio + eps)) + 1
    pos = np.arange(count, dtype=np.float64) * ratio
    i0 = np.floor(pos + eps).astype(np.int64)
    i0 = np.minimum(i0, num_frames - 1)
    w = np.clip(pos - i0, 0.0, 1.0)
    w[w < eps] = 0.0
    i1 = np.minimum(i0 + 1, num_frames - 1)
    return i0, i1, w


def resample_linear(x: np.ndarray, src_fps: float,
                    dst_fps: float = TARGET_FPS) -> np.ndarray:
    """(N, ...) samples at ``src_fps`` -> (M, ...) at ``dst_fps`` by linear
    interpolation (see :func:`resample_plan`)."""
    i0, i1, w = resample_plan(len(x), src_fps, dst_fps)
    w = w.reshape((-1, ) + (1, ) * (x.ndim - 1))
    return (1 - w) * x[i0] + w * x[i1]


# ------------------------------------------------------------- body models
def rodrigues(rotvec: np.ndarray) -> np.ndarray:
    """Axis-angle (..., 3) radians -> rotation matrices (..., 3, 3)."""
    rotvec = np.asarray(rotvec, np.float64)
    angle = np.linalg.norm(rotvec, axis=-1, keepdims=True)
    axis = rotvec / np.maximum(angle, 1e-12)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero],
                 -1).reshape(rotvec.shape[:-1] + (3, 3))
    s = np.sin(angle)[..., None]
    c = np.cos(angle)[..., None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


class NumpyBodyModel:
    """SMPL-family linear blend skinning from an .npz model file.

    Reads ``v_template`` (V, 3), ``shapedirs`` (V, 3, S), ``J_regressor``
    (K, V), ``weights`` (V, K), ``kintree_table`` (2, K) (first row: parent
    of each joint, the root's is any value outside 0..K-1) or ``parents``
    (K,), and optionally ``posedirs`` (V, 3, 9 (K - 1)) -- the layout of the
    SMPL / SMPL+H / SMPL-X .npz files.

    Call with ``dict(poses (N, >= 3K) axis-angle radians, trans (N, 3) m,
    betas (B,))``; returns (N, V', 3) float64 vertex positions in metres for
    the vertices ``vertex_ids`` (all V by default): ``sum_k w_vk G_k(v_posed)
    + trans`` with ``v_posed = v_template + shapedirs betas + posedirs
    (R_k - I)_{k >= 1}`` and ``G_k`` the global joint transforms relative to
    the rest pose.

    Args:
        path: the .npz model file.
        vertex_ids: optional subset of vertices to evaluate (the ones a joint
            regressor uses), for speed.
    """

    def __init__(self, path: str, vertex_ids: Optional[Sequence[int]] = None):
        if not osp.isfile(path):
            raise FileNotFoundError(f'body model file not found: {path}.')
        if not path.endswith('.npz'):
            raise ValueError(
                f'{path}: the numpy backend reads .npz body-model files '
                '(SMPL+H model.npz, SMPLX_*.npz); for .pkl use --backend '
                'smplx. ' + SMPLX_INSTALL_HINT)
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            need = {'v_template', 'shapedirs', 'J_regressor', 'weights'}
            if need - keys or not keys & {'kintree_table', 'parents'}:
                raise ValueError(
                    f'{path}: missing body-model arrays '
                    f'{sorted(need - keys) or ["kintree_table/parents"]} '
                    f'(keys: {sorted(keys)}).')
            v_template = np.asarray(data['v_template'], np.float64)
            shapedirs = np.asarray(data['shapedirs'], np.float64)
            j_reg = np.asarray(data['J_regressor'], np.float64)
            weights = np.asarray(data['weights'], np.float64)
            posedirs = (np.asarray(data['posedirs'], np.float64)
                        if 'posedirs' in keys else None)
            parents = (np.asarray(data['kintree_table'])[0]
                       if 'kintree_table' in keys else
                       np.asarray(data['parents'])).astype(np.int64)
        num_verts, num_joints = v_template.shape[0], j_reg.shape[0]
        if (v_template.shape != (num_verts, 3) or shapedirs.ndim != 3
                or shapedirs.shape[:2] != (num_verts, 3)
                or j_reg.shape != (num_joints, num_verts)
                or weights.shape != (num_verts, num_joints)
                or parents.shape != (num_joints, )):
            raise ValueError(
                f'{path}: inconsistent body-model shapes: v_template '
                f'{v_template.shape}, shapedirs {shapedirs.shape}, '
                f'J_regressor {j_reg.shape}, weights {weights.shape}, '
                f'parents {parents.shape}.')
        parents = np.where((parents < 0) | (parents >= num_joints), -1,
                           parents)
        if parents[0] != -1 or np.any(parents[1:] >= np.arange(1,
                                                               num_joints)):
            raise ValueError(f'{path}: the kinematic tree must have joint 0 '
                             'as root and every parent before its child.')
        if posedirs is not None and posedirs.shape != (
                num_verts, 3, 9 * (num_joints - 1)):
            raise ValueError(f'{path}: posedirs has shape {posedirs.shape}, '
                             f'expected ({num_verts}, 3, '
                             f'{9 * (num_joints - 1)}).')
        ids = (np.arange(num_verts) if vertex_ids is None else
               np.asarray(vertex_ids, np.int64).reshape(-1))
        if ids.size and (ids.min() < 0 or ids.max() >= num_verts):
            raise ValueError(
                f'{path}: the model has {num_verts} vertices, vertex ids '
                f'range over [{ids.min()}, {ids.max()}]: the joint regressor '
                'does not fit this mesh.')
        self.path = path
        self.num_vertices = num_verts
        self.num_joints = num_joints
        self.parents = parents
        self.vertex_ids = ids
        self._v_template = v_template
        self._shapedirs = shapedirs
        self._j_reg = j_reg
        self._sub_template = v_template[ids]
        self._sub_shapedirs = shapedirs[ids]
        self._sub_posedirs = None if posedirs is None else posedirs[ids]
        self._posedirs_mat = None
        if posedirs is not None:   # (P, V' * 3) for one GEMM per chunk
            self._posedirs_mat = np.ascontiguousarray(
                self._sub_posedirs.reshape(len(ids) * 3, -1).T)
        self._sub_weights = weights[ids]

    def _betas(self, betas: np.ndarray) -> np.ndarray:
        betas = np.asarray(betas, np.float64).reshape(-1)
        n = min(len(betas), self._shapedirs.shape[2])
        return betas[:n]

    def __call__(self, params: Dict[str, np.ndarray]) -> np.ndarray:
        poses = np.asarray(params['poses'], np.float64)
        trans = np.asarray(params['trans'], np.float64)
        k = self.num_joints
        if poses.ndim != 2 or poses.shape[1] < 3 * k:
            raise ValueError(
                f'{self.path}: the model has {k} joints and needs poses '
                f'(N, {3 * k}); got {poses.shape}. Use the body model AMASS '
                'was fitted with (SMPL+H: 156 values, SMPL-X: 165).')
        betas = self._betas(params['betas'])
        nb = len(betas)
        # rest shape: joints from the full shaped mesh
        v_shaped_full = (self._v_template +
                         self._shapedirs[:, :, :nb] @ betas)
        joints = self._j_reg @ v_shaped_full  # (K, 3)
        v_shaped = self._sub_template + self._sub_shapedirs[:, :, :nb] @ betas
        rot = rodrigues(poses[:, :3 * k].reshape(len(poses), k, 3))
        v_posed = np.broadcast_to(v_shaped, (len(poses), ) + v_shaped.shape)
        if self._sub_posedirs is not None and k > 1:
            feat = (rot[:, 1:] - np.eye(3)).reshape(len(poses), -1)
            # (N, P) @ (P, V' * 3): one BLAS call
            v_posed = v_posed + (feat @ self._posedirs_mat).reshape(
                v_posed.shape)
        # global transforms (N, K, 4, 4)
        glob = np.zeros((len(poses), k, 4, 4))
        glob[..., 3, 3] = 1
        for j in range(k):
            p = self.parents[j]
            local = np.zeros((len(poses), 4, 4))
            local[:, :3, :3] = rot[:, j]
            local[:, :3, 3] = joints[j] - (joints[p] if p >= 0 else 0)
            local[:, 3, 3] = 1
            glob[:, j] = local if p < 0 else glob[:, p] @ local
        # remove the rest-pose joint location: A = G [I | -J]
        rel = glob.copy()
        rel[:, :, :3, 3] -= np.einsum('nkij,kj->nki', glob[:, :, :3, :3],
                                      joints)
        # (V', K) @ (K, N * 12): one GEMM -> (N, V', 3, 4) blended
        # transforms
        n = len(poses)
        flat = rel[:, :, :3].reshape(n, k, 12).transpose(1, 0, 2)
        blend = (self._sub_weights @ flat.reshape(k, n * 12)).reshape(
            -1, n, 3, 4).transpose(1, 0, 2, 3)
        verts = (np.matmul(blend[..., :3], v_posed[..., None])[..., 0] +
                 blend[..., 3])
        return verts + trans[:, None, :]


def make_smplx_body_model(model_path: str, model_type: str, gender: str,
                          num_betas: int, device: str = 'cpu'
                          ) -> BodyModelFn:
    """A body-model function backed by the ``smplx`` package.

    Args:
        model_path: a model file or the folder ``smplx.create`` expects.
        model_type: 'smplh' or 'smplx'.
        gender: 'neutral', 'male' or 'female'.
        num_betas: shape coefficients to use (AMASS: 16).

    Returns:
        ``fn(dict(poses (N, P), trans (N, 3), betas (B,))) -> (N, V, 3)``
        float64 vertices in metres. AMASS ``poses`` are split into
        global_orient (0:3), body_pose (3:66) and, for SMPL+H, left/right
        hand (66:111, 111:156); for SMPL-X jaw (66:69), eyes (69:75) and
        hands (75:120, 120:165); hands are full (no PCA, no mean pose).
    """
    try:
        import smplx
        import torch
    except ImportError as err:
        raise ImportError(f'{err}. {SMPLX_INSTALL_HINT}') from err
    ext = 'pkl' if model_path.endswith('.pkl') else 'npz'
    model = smplx.create(model_path, model_type=model_type, gender=gender,
                         num_betas=num_betas, use_pca=False,
                         flat_hand_mean=True, ext=ext).to(device)
    model.eval()

    def body_model(params: Dict[str, np.ndarray]) -> np.ndarray:
        poses = torch.as_tensor(params['poses'], dtype=torch.float32,
                                device=device)
        n = poses.shape[0]
        betas = torch.as_tensor(
            np.asarray(params['betas']).reshape(-1)[:model.num_betas],
            dtype=torch.float32, device=device)
        kw = dict(global_orient=poses[:, :3], body_pose=poses[:, 3:66],
                  betas=betas[None].expand(n, -1),
                  transl=torch.as_tensor(params['trans'],
                                         dtype=torch.float32, device=device))
        if model_type == 'smplh':
            kw.update(left_hand_pose=poses[:, 66:111],
                      right_hand_pose=poses[:, 111:156])
        else:
            kw.update(jaw_pose=poses[:, 66:69], leye_pose=poses[:, 69:72],
                      reye_pose=poses[:, 72:75],
                      left_hand_pose=poses[:, 75:120],
                      right_hand_pose=poses[:, 120:165],
                      expression=torch.zeros(
                          n, model.num_expression_coeffs, device=device))
        with torch.no_grad():
            out = model(**kw, return_verts=True)
        return out.vertices.cpu().numpy().astype(np.float64)

    return body_model


def find_body_model_file(root: str, model_type: str, gender: str,
                         exts: Sequence[str] = ('npz', )) -> str:
    """The model file of ``gender`` below ``root`` (a file is returned as
    is). Tried, for each extension: ``{root}/{gender}/model.{ext}``,
    ``{root}/{TYPE}_{GENDER}.{ext}`` and the same below
    ``{root}/{model_type}/``."""
    if osp.isfile(root):
        return root
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'body model not found: {root}. Download SMPL+H '
            '(https://mano.is.tue.mpg.de) or SMPL-X '
            '(https://smpl-x.is.tue.mpg.de) and pass the file or folder.')
    tried = []
    for base in (root, osp.join(root, model_type)):
        for ext in exts:
            for rel in (osp.join(gender, f'model.{ext}'),
                        f'{model_type.upper()}_{gender.upper()}.{ext}'):
                cand = osp.join(base, rel)
                tried.append(cand)
                if osp.isfile(cand):
                    return cand
    raise FileNotFoundError(
        f'no {model_type} body model for gender {gender!r} below {root}; '
        f'tried: {tried}. Pass --gender neutral to use one model for every '
        'sequence, or --body-model <file>.')


# ------------------------------------------------------------- regression
def load_regressor(path: str) -> np.ndarray:
    """(17, V) float64 joint regressor from a .npy (or .npz key
    ``J_regressor_h36m``/first array) file."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'joint regressor not found: {path}. Use the (17, 6890) '
            'J_regressor_h36m.npy distributed with the SPIN / VIBE data.')
    if path.endswith('.npz'):
        with np.load(path, allow_pickle=False) as data:
            key = ('J_regressor_h36m' if 'J_regressor_h36m' in data.files
                   else data.files[0])
            reg = np.asarray(data[key], np.float64)
    else:
        reg = np.asarray(np.load(path, allow_pickle=False), np.float64)
    if reg.ndim != 2 or reg.shape[0] != 17:
        raise ValueError(f'{path}: regressor has shape {reg.shape}, expected '
                         '(17, V) (Human3.6M joints x mesh vertices).')
    return reg


def regress_joints(params: Dict[str, np.ndarray], body_model_fn: BodyModelFn,
                   regressor: np.ndarray, chunk_size: int = 512
                   ) -> np.ndarray:
    """Pose the body model and regress Human3.6M-17 joints.

    Args:
        params: ``dict(poses (N, P) axis-angle radians, trans (N, 3) m,
            betas (B,))``.
        body_model_fn: ``params -> (n, V, 3)`` vertices in metres (called on
            chunks of at most ``chunk_size`` frames).
        regressor: (17, V) joint regressor.

    Returns:
        (N, 17, 3) float64 joints in metres, ``regressor @ vertices`` per
        frame.
    """
    poses, trans = params['poses'], params['trans']
    out = []
    for s in range(0, len(poses), chunk_size):
        chunk = dict(params, poses=poses[s:s + chunk_size],
                     trans=trans[s:s + chunk_size])
        verts = np.asarray(body_model_fn(chunk), np.float64)
        if verts.ndim != 3 or verts.shape[1] != regressor.shape[1]:
            raise ValueError(
                f'the body model gives vertices of shape {verts.shape} but '
                f'the regressor expects {regressor.shape[1]} vertices: the '
                'Human3.6M regressor (17, 6890) fits SMPL / SMPL+H meshes; '
                'SMPL-X meshes (10475 vertices) need a SMPL-X regressor.')
        out.append(np.einsum('jv,nvc->njc', regressor, verts))
    return np.concatenate(out, axis=0)


def convert_sequence(seq: Dict[str, object], body_model_fn: BodyModelFn,
                     regressor: np.ndarray, dst_fps: float = TARGET_FPS,
                     chunk_size: int = 512) -> np.ndarray:
    """One AMASS sequence (:func:`load_amass_sequence`) -> (M, 17, 3)
    float32 joints (m) at ``dst_fps``; only the source frames the
    interpolation uses are posed."""
    i0, i1, w = resample_plan(len(seq['poses']), seq['fps'], dst_fps)
    needed, inverse = np.unique(np.concatenate([i0, i1]),
                                return_inverse=True)
    params = dict(poses=seq['poses'][needed], trans=seq['trans'][needed],
                  betas=seq['betas'])
    joints = regress_joints(params, body_model_fn, regressor, chunk_size)
    j0, j1 = joints[inverse[:len(i0)]], joints[inverse[len(i0):]]
    w = w[:, None, None]
    return ((1 - w) * j0 + w * j1).astype(np.float32)


# -------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--amass-dir', required=True,
                        help='folder with the extracted AMASS .npz files')
    parser.add_argument('--body-model', required=True,
                        help='body-model file, or folder with one per '
                        'gender (smplh/{male,female,neutral}/model.npz, '
                        'SMPLX_MALE.npz, ...)')
    parser.add_argument('--regressor', required=True,
                        help='(17, V) joint regressor .npy, e.g. '
                        'J_regressor_h36m.npy')
    parser.add_argument('--out', default='data/amass/amass_h36m_50fps.npz',
                        help='output joint file (.npz)')
    parser.add_argument('--backend', choices=('auto', 'smplx', 'numpy'),
                        default='auto', help='how to pose the body model')
    parser.add_argument('--model-type', choices=('auto', 'smplh', 'smplx'),
                        default='auto',
                        help='body model family (auto: from the poses size)')
    parser.add_argument('--gender', choices=('auto', 'neutral', 'male',
                                             'female'), default='auto',
                        help="auto: each sequence's own gender")
    parser.add_argument('--fps', type=float, default=TARGET_FPS,
                        help='output frame rate')
    parser.add_argument('--chunk-size', type=int, default=512,
                        help='frames posed at once')
    parser.add_argument('--device', default='cpu',
                        help='torch device of the smplx backend')
    parser.add_argument('--npy-cache', action='store_true',
                        help='also write <out>.npy + <out>.json for '
                        'memory-mapped loading')
    return parser.parse_args(argv)


def _resolve_backend(name: str) -> str:
    if name != 'auto':
        return name
    try:
        import smplx  # noqa: F401
        return 'smplx'
    except ImportError:
        return 'numpy'


def write_npy_cache(out: str, positions: Dict[str, np.ndarray],
                    metadata: dict) -> Tuple[str, str]:
    """``<out stem>.npy`` (F, 17, 3) float32 of every sequence in name order
    and ``<out stem>.json`` ``{"sequences": [[name, start, length], ...],
    "metadata": {...}}``."""
    stem = osp.splitext(out)[0]
    names = sorted(positions)
    total = sum(len(positions[n]) for n in names)
    arr = np.lib.format.open_memmap(stem + '.npy', mode='w+',
                                    dtype=np.float32, shape=(total, 17, 3))
    index, start = [], 0
    for name in names:
        n = len(positions[name])
        arr[start:start + n] = positions[name]
        index.append([name, start, n])
        start += n
    arr.flush()
    del arr
    with open(stem + '.json', 'w') as f:
        json.dump(dict(sequences=index, metadata=metadata), f)
    return stem + '.npy', stem + '.json'


def main(argv=None):
    args = parse_args(argv)
    backend = _resolve_backend(args.backend)
    if backend == 'smplx':
        try:
            import smplx  # noqa: F401
        except ImportError:
            sys.exit(f'error: {SMPLX_INSTALL_HINT}')
    regressor = load_regressor(args.regressor)
    used = np.flatnonzero(np.any(regressor != 0, axis=0))
    files = find_amass_files(args.amass_dir)
    if not files:
        sys.exit(f'error: no .npz files below {args.amass_dir}.')
    models: Dict[Tuple[str, str], BodyModelFn] = {}
    positions, source_fps, genders, types = {}, {}, {}, {}
    skipped = []
    t0 = time.time()
    for i, path in enumerate(files):
        seq = load_amass_sequence(path)
        name = sequence_name(path, args.amass_dir)
        if seq is None:
            skipped.append(name)
            continue
        model_type = (seq['model_type'] if args.model_type == 'auto' else
                      args.model_type)
        if model_type not in ('smplh', 'smplx'):
            sys.exit(f'error: {path}: cannot tell the body model from poses '
                     f"of size {seq['poses'].shape[1]}; pass --model-type.")
        gender = seq['gender'] if args.gender == 'auto' else args.gender
        key = (model_type, gender)
        if key not in models:
            if backend == 'numpy':
                model_file = find_body_model_file(args.body_model,
                                                  model_type, gender)
                with np.load(model_file, allow_pickle=False) as data:
                    num_verts = data['v_template'].shape[0]
                if num_verts != regressor.shape[1]:
                    sys.exit(
                        f'error: {model_file} has {num_verts} vertices, the '
                        f'regressor {args.regressor} expects '
                        f'{regressor.shape[1]}: the Human3.6M regressor '
                        '(17, 6890) fits SMPL / SMPL+H meshes.')
                models[key] = NumpyBodyModel(model_file, vertex_ids=used)
            else:
                models[key] = make_smplx_body_model(
                    args.body_model, model_type, gender,
                    len(seq['betas']), args.device)
        reg = regressor[:, used] if backend == 'numpy' else regressor
        positions[name] = convert_sequence(seq, models[key], reg, args.fps,
                                           args.chunk_size)
        source_fps[name] = seq['fps']
        genders[name] = gender
        types[name] = model_type
        print(f'[{i + 1}/{len(files)}] {name}: {len(seq["poses"])} frames '
              f'at {seq["fps"]:g} fps -> {len(positions[name])} at '
              f'{args.fps:g} fps', flush=True)
    if not positions:
        sys.exit(f'error: none of the {len(files)} .npz files below '
                 f'{args.amass_dir} has poses.')
    metadata = dict(fps=float(args.fps), units='m', up_axis='z',
                    layout='h36m-17', source_fps=source_fps, gender=genders,
                    model_type=types,
                    num_frames={k: len(v) for k, v in positions.items()})
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.savez_compressed(args.out, positions_3d=positions, metadata=metadata)
    frames = sum(len(v) for v in positions.values())
    print(f'{len(positions)} sequences, {frames} frames at {args.fps:g} fps '
          f'-> {args.out} ({time.time() - t0:.1f} s); skipped '
          f'{len(skipped)} files without poses.')
    if args.npy_cache:
        npy, js = write_npy_cache(args.out, positions, metadata)
        print(f'memory-map cache: {npy}, {js}')


if __name__ == '__main__':
    main()
