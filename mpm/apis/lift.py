"""Lift a whole video of 2D keypoints from any 2D detector to 3D poses.

Pipeline of :func:`lift`: keypoints ``[x, y, score]`` in pixels of a detector
layout (COCO-17, Halpe-26, MediaPipe-33 or Human3.6M-17) -> Human3.6M-17
(:mod:`mpm.datasets.keypoint_layouts`) -> missing joints filled in time
(hidden joints) -> normalised screen coordinates
(:func:`mpm.datasets.camera.normalize_screen`) -> one window of the model's
receptive field centred on every frame (frames before the start / after the
end repeat the first / last frame, as the datasets do) -> batched
``predict_pose`` with optional flip averaging -> (T, 17, 3) root-relative
metres in the camera frame (x right, y down, z forward).

:func:`load_keypoints` (:mod:`mpm.apis.keypoint_files`) reads detector
output: a COCO-style JSON result list or a ``.npy`` / ``.npz`` array.
"""
import warnings
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from mpm.datasets.camera import normalize_screen
from mpm.datasets.keypoint_layouts import build_keypoint_converter
from mpm.utils import H36M_SKELETON, fill_gaps, flip_keypoints
from .keypoint_files import load_keypoints

__all__ = ['lift', 'load_keypoints', 'receptive_field', 'window_indices',
           'lifter_dilation', 'fill_missing_joints']


# --------------------------------------------------------------------------
# Model introspection
# --------------------------------------------------------------------------

def receptive_field(model: nn.Module) -> int:
    """Frames per input window ``F`` of a lifter.

    Read from ``model.trunk.temporal.num_frames`` (``PoseLifter``), else
    ``model.num_frames``, else the ``num_frames`` of the config the model was
    built from (``model.cfg.model.trunk.temporal``).
    """
    temporal = getattr(getattr(model, 'trunk', None), 'temporal', None)
    for obj in (temporal, model):
        frames = getattr(obj, 'num_frames', None)
        if isinstance(frames, int):
            return frames
    cfg = getattr(model, 'cfg', None)
    try:
        return int(cfg.model.trunk.temporal.num_frames)
    except (AttributeError, KeyError, TypeError):
        pass
    raise ValueError(
        f'Cannot tell the window length of {type(model).__name__}: it has no '
        '`trunk.temporal.num_frames` / `num_frames` attribute and no config '
        'with model.trunk.temporal.num_frames. Pass num_frames= to lift().')


def lifter_dilation(model: nn.Module) -> int:
    """Frame step inside a window the lifter was tested with: the
    ``dilation`` of ``model.cfg.test_dataloader.dataset`` (set by
    :func:`mpm.apis.init_lifter`), 1 when the model has no such config."""
    cfg = getattr(model, 'cfg', None)
    try:
        return int(cfg.test_dataloader.dataset.get('dilation', 1))
    except (AttributeError, KeyError, TypeError):
        return 1


def window_indices(num_frames: int, window: int,
                   dilation: int = 1) -> np.ndarray:
    """Frame indices of the edge-padded window centred on every frame.

    Returns (T, F) int64: ``clip(t + dilation * (arange(F) - F // 2), 0,
    T - 1)``; the centre frame ``t`` sits at position ``F // 2``.
    """
    if num_frames < 1 or window < 1 or dilation < 1:
        raise ValueError(f'need num_frames, window, dilation >= 1, got '
                         f'{num_frames}, {window}, {dilation}.')
    offsets = dilation * (np.arange(window) - window // 2)
    return np.clip(np.arange(num_frames)[:, None] + offsets, 0,
                   num_frames - 1).astype(np.int64)


# --------------------------------------------------------------------------
# Lifting
# --------------------------------------------------------------------------

def fill_missing_joints(keypoints: np.ndarray
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Fill missing (NaN) joints of a video's keypoints.

    A joint is filled by linear interpolation in time between the frames
    that have it (:func:`mpm.utils.fill_gaps`; held before its first and
    after its last detection); a joint missing in every frame gets the mean
    of the frame's other joints.

    Args:
        keypoints: (T, J, 2) pixels with NaN for missing joints.

    Returns:
        ``(filled (T, J, 2) pixels, missing (T, J) bool)``.

    Raises:
        ValueError: no joint is detected in any frame.
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    missing = ~np.isfinite(kp).all(axis=-1)
    if not missing.any():
        return kp, missing
    if missing.all():
        raise ValueError(
            f'none of the {kp.shape[0]} frames has a detected joint (all '
            'keypoints are NaN, null or (0, 0)): the 2D detector found no '
            'person; check the keypoint file or the video.')
    filled = fill_gaps(kp)
    never = ~np.isfinite(filled).all(axis=-1)
    if never.any():
        centre = np.nanmean(np.where(never[..., None], np.nan, filled),
                            axis=1, keepdims=True)
        filled = np.where(never[..., None], centre, filled)
    return filled, missing


def _unmasked_note(model: nn.Module, low: np.ndarray, missing: np.ndarray,
                   score_threshold: Optional[float]) -> str:
    """What a model without an input mask vector does with the hidden
    joints ((T, J) bool ``low`` score and ``missing``), in words: joints of
    frames with a detection are used as detected (filled ones as filled);
    frames without any detection are filled only for their neighbours'
    windows and are NaN in the output."""
    no_person = missing.all(axis=-1)
    in_detected = ~no_person[:, None]
    total = int(in_detected.sum()) * missing.shape[1]
    parts = []
    if (low & in_detected).any():
        parts.append(f'{int((low & in_detected).sum())} of {total} joints '
                     f'have a score below {score_threshold}')
    if (missing & in_detected).any():
        parts.append(f'{int((missing & in_detected).sum())} of {total} '
                     'joints are missing (NaN, null or (0, 0)) and were '
                     'filled by interpolation in time')
    note = ''
    if parts:
        note = (f"{'; '.join(parts)}; {type(model).__name__} has no input "
                'mask vector (mask_vector_2d), so they are used as detected')
    if no_person.any():
        note += ('; ' if note else '') + (
            f'{int(no_person.sum())} of {len(no_person)} frames have no '
            'detection: filled in time for the windows of their neighbours, '
            'NaN in the output')
    return note + '.'


def _model_flip_indices(model: nn.Module) -> Sequence[int]:
    indices = getattr(model, 'flip_indices', None)
    return list(H36M_SKELETON.flip_permutation if indices is None
                else indices)


def _predict_no_flip(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Root-relative pose of the window centre, no flip: (B, F, J, 2) ->
    (B, J, 3) metres."""
    if hasattr(model, 'predict_pose'):
        return model.predict_pose(x)
    final = model(x, mode='tensor')
    final = final[0] if isinstance(final, (tuple, list)) else final
    final = final[:, 0] if final.dim() == 4 else final
    root = getattr(model, 'root_index', 0)
    return final - final[:, root:root + 1]


def lift(model: nn.Module,
         keypoints,
         image_size: Tuple[int, int],
         layout: str = 'coco',
         batch_size: int = 256,
         flip: bool = True,
         score_threshold: Optional[float] = None,
         dilation: Optional[int] = None,
         num_frames: Optional[int] = None) -> np.ndarray:
    """3D poses of a whole video from 2D detector keypoints.

    Args:
        model: a lifter (``PoseLifter``, e.g. from
            :func:`mpm.apis.init_lifter`). Its ``predict_pose`` ((B, F, J, 2)
            normalised -> (B, J, 3) root-relative metres) is used; a model
            without one is called with ``mode='tensor'`` and its root is
            subtracted. Run in eval mode (restored afterwards).
        keypoints: (T, K, 3) ``[x, y, score]`` pixels of ``layout`` (or
            (T, K, 2); scores 1). Missing keypoints (NaN / null coordinates
            or ``(0, 0)``; a frame without detection is all NaN) are
            filled by linear interpolation in time (a joint never seen: the
            mean of the frame's other joints) and count as hidden joints
            (see ``score_threshold``).
        image_size: (width, height) of the video in pixels.
        layout: ``'coco'`` (17), ``'halpe'`` (26), ``'mediapipe'`` (33) or
            ``'h36m'`` (17).
        batch_size: windows per forward pass.
        flip: average with the prediction of the mirrored input (mirrored
            back). The model's own flip (``flip_test`` of ``predict_pose``)
            is used and set to ``flip`` for the call.
        score_threshold: joints whose (converted) score is below it are
            *low-confidence*. Low-confidence and missing joints are the
            *hidden* joints. A model with an input mask vector
            (``mask_vector_2d``, (2,) normalised) gets them as hidden
            joints (the vector replaces them; with ``flip`` the mirrored
            input is masked at the mirrored joints). ``PoseLifter`` (stage
            II of MPM / P-STMO) has no such input path: the joints are then
            kept as detected (missing ones as filled) and a ``UserWarning``
            says how many there are.
        dilation: frame step inside a window; None: the ``dilation`` of the
            model's test config (:func:`lifter_dilation`), else 1.
        num_frames: window length F; None: :func:`receptive_field`.

    Returns:
        (T, 17, 3) float32 numpy array, root-relative metres (pelvis at the
        origin), camera frame (x right, y down, z away from the camera);
        NaN at frames without any detected joint (the output stays aligned
        with the input's frames).
    """
    converter = build_keypoint_converter(layout)
    kp_px, scores = converter(keypoints)
    T = kp_px.shape[0]
    if T == 0:
        raise ValueError('keypoints hold no frames (T = 0).')
    if len(image_size) != 2 or min(image_size) <= 0:
        raise ValueError(f'image_size must be (width, height) > 0 pixels, '
                         f'got {image_size}.')
    kp_px, missing = fill_missing_joints(kp_px)
    w, h = (float(v) for v in image_size)
    coords = normalize_screen(kp_px, w, h)  # (T, 17, 2)

    window = receptive_field(model) if num_frames is None else num_frames
    dilation = lifter_dilation(model) if dilation is None else dilation
    index = torch.from_numpy(window_indices(T, window, dilation))

    mask_vector = getattr(model, 'mask_vector_2d', None)
    hidden = None
    low = (scores < score_threshold if score_threshold is not None else
           np.zeros_like(missing))
    if (low | missing).any():
        if mask_vector is not None:
            hidden = torch.from_numpy(low | missing)
        else:
            warnings.warn(_unmasked_note(model, low, missing,
                                         score_threshold),
                          UserWarning, stacklevel=2)

    try:
        param = next(model.parameters())
        device, dtype = param.device, param.dtype
    except StopIteration:
        device, dtype = torch.device('cpu'), torch.float32
    seq = torch.from_numpy(coords).to(device=device, dtype=dtype)
    flip_indices = _model_flip_indices(model)
    own_flip = hasattr(model, 'predict_pose') and hasattr(model, 'flip_test')
    was_training = model.training
    old_flip = getattr(model, 'flip_test', None)
    model.eval()
    out = []
    try:
        if own_flip:
            # The model flips itself unless we apply a mask ourselves.
            model.flip_test = bool(flip) and hidden is None
        with torch.no_grad():
            for start in range(0, T, batch_size):
                idx = index[start:start + batch_size]
                x = seq[idx]  # (B, F, 17, 2)
                if hidden is None:
                    pred = _predict_no_flip(model, x)
                    if flip and not own_flip:
                        mirrored = _predict_no_flip(
                            model, flip_keypoints(x, flip_indices))
                        pred = (pred + flip_keypoints(mirrored,
                                                      flip_indices)) / 2
                else:
                    m = hidden[idx].to(device)
                    vec = mask_vector.to(dtype)
                    pred = _predict_no_flip(
                        model, torch.where(m[..., None], vec, x))
                    if flip:
                        xf = flip_keypoints(x, flip_indices)
                        mf = m[..., flip_indices]
                        mirrored = _predict_no_flip(
                            model, torch.where(mf[..., None], vec, xf))
                        pred = (pred + flip_keypoints(mirrored,
                                                      flip_indices)) / 2
                out.append(pred.float().cpu())
    finally:
        if own_flip:
            model.flip_test = old_flip
        model.train(was_training)
    poses = torch.cat(out).numpy()
    poses[missing.all(axis=-1)] = np.nan   # frames without detection
    return poses
