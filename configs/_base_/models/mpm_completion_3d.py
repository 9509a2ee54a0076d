# 3D -> 3D pose completion (MPM section 3.3.2): the stage I 3D branch of
# ./mpm_network.py (3D pose encoder -> shared trunk, L = 4 -> masked 3D
# decoder; 243 frames) as a ReconstructionCompletion, trained with the stage
# I loss (3D reconstruction error over all frames and joints). The
# submodules are named as in MaskedPoseModeling (encoder_3d, trunk,
# decoder_3d, mask_vector_3d), so `load_from` a stage I checkpoint of the
# same length loads the whole 3D branch. An experiment sets the window
# length (trunk.temporal.num_frames, decoder.num_frames), train_masker and
# eval_settings.
_base_ = ['./mpm_network.py']
model = dict(
    _delete_=True,
    type='ReconstructionCompletion',
    data_preprocessor={{_base_.model.data_preprocessor}},
    encoder={{_base_.model.encoder_3d}},
    trunk={{_base_.model.trunk}},
    decoder={{_base_.model.decoder_3d}},
    loss={{_base_.model.loss}},
    loss_weight=1.0,
    loss_on='all')
