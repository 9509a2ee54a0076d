"""P-STMO's pre-training (masked 2D pose modeling, MAE style) is
``MaskedPoseModeling`` without a 3D branch; ``type='PSTMOPretrain'`` builds
it from P-STMO's argument names."""
from typing import List, Optional, Union

from mpm.registry import MODELS
from .masked_pose_modeling import MaskedPoseModeling


@MODELS.register_module(name='PSTMOPretrain')
def pstmo_pretrain(encoder: dict, trunk: dict, decoder: dict,
                   masker: dict = dict(type='SpatioTemporalMasker',
                                       num_joints=3, frame_ratio=0.6),
                   loss: dict = dict(type='MPJPELoss'),
                   loss_weight: float = 1.0, loss_on: str = 'all',
                   drop_frames: bool = True,
                   data_preprocessor: Optional[dict] = None,
                   init_cfg: Optional[Union[dict, List[dict]]] = None
                   ) -> MaskedPoseModeling:
    """Masked 2D-to-2D pose modeling, P-STMO's self-supervised stage: a
    2D-only :class:`MaskedPoseModeling`.

    ``masker`` hides joints and whole frames (P-STMO: 3 joints per frame and
    60% of the frames; P-STMO-S: 2 or 7 joints, 80%); hidden joints get the
    learnable ``mask_vector_2d`` (2,); ``encoder`` + ``trunk`` (spatial MLP
    + temporal transformer of L layers) run on the visible frames;
    ``decoder`` (``MaskedPoseDecoder``: LayerNorm, Linear(256 -> 128, no
    bias), mask token and positional embedding, L-1 blocks at width 128
    with FFN 256 and 8 heads, LayerNorm, BN + Linear -> 2J) reconstructs
    every frame (B, T, J, 2). Parameters at 243 frames, J=17: 2,656,036
    (L=3), 3,315,620 (L=4).

    Loss: ``loss_weight * MPJPE`` in normalised screen units between the
    reconstruction and the unmasked 2D input over all frames and joints
    (``loss_on='all'``) or the hidden joints only (``'hidden'``).

    Argument -> ``MaskedPoseModeling`` argument: ``encoder`` ->
    ``encoder_2d``, ``decoder`` -> ``decoder_2d``, ``masker`` ->
    ``masker_2d``, ``loss_weight`` -> ``lambda_m2m``; no ``encoder_3d`` /
    ``decoder_3d``. The model's parts are therefore ``encoder``, ``trunk``
    (what stage II loads, key map ``encoder.`` / ``trunk.``),
    ``decoder_2d``, ``masker_2d`` and ``mask_vector_2d``; checkpoints of the
    former ``PSTMOPretrain`` class (``decoder.*``, ``mask_vector``) load
    into it (see ``MaskedPoseModeling.LEGACY_KEYS``).

    Modes: ``'loss'`` -> ``dict(loss_m2m=...)``; ``'tensor'`` ->
    ``dict(recon_2d (B, T, J, 2), mask_2d (B, T, J))``; ``'predict'`` -> B
    dicts with ``pred_keypoints_2d``, ``mask_2d`` and the sample's meta.
    """
    return MaskedPoseModeling(
        encoder_2d=encoder, trunk=trunk, decoder_2d=decoder,
        masker_2d=masker, loss=loss, lambda_m2m=loss_weight,
        loss_on=loss_on, drop_frames=drop_frames,
        data_preprocessor=data_preprocessor, init_cfg=init_cfg)


#: The registered name, importable as before.
PSTMOPretrain = pstmo_pretrain
