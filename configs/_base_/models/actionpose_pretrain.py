# ActionPose pre-training (arXiv 2409.00449) around the shared trunk of the
# STMO lifter (2D pose encoder + spatial MLP + temporal transformer, L = 4,
# 243 frames): masked and noisy 2D -> 3D reconstruction (one MPM-style 3D
# decoder block), action recognition on the pooled motion embedding, and a
# symmetric InfoNCE alignment of the projected embedding with frozen text
# embeddings of the action labels. Stage II (PoseLifter) loads `encoder.`
# and `trunk.` from its checkpoints and fine-tunes without labels.
# Masking, noise and loss weights are mpm's choices (the paper gives no
# numbers for them): per sample one of MPM's spatio-temporal masking (5
# joints + 60% frames), one whole body part, or one window of 50% of the
# frames; detector noise of 5 px jitter with 2% outliers of 50 px; weights
# 1.0 (3D) / 0.1 (action) / 0.1 (alignment).
# The 2D encoder, the shared trunk and the 3D reconstruction decoder are
# those of MPM stage I (./mpm_pretrain.py), so their weights transfer alike.
_base_ = ['./mpm_pretrain.py']
model = dict(
    _delete_=True,
    type='ActionPosePretrain',
    data_preprocessor=dict(type='PoseDataPreprocessor', flip_prob=0.5),
    encoder={{_base_.model.encoder_2d}},
    trunk={{_base_.model.trunk}},
    decoder={{_base_.model.decoder_3d}},
    # Human3.6M's 15 actions in table order ('h36m' names the same set).
    class_names='h36m',
    # Frozen all-MiniLM-L6-v2 embeddings of each label's sentence
    # ('WalkDog' -> 'a person walks a dog'), shipped in the package for the
    # label sets h36m, synthetic, corpus and babel (no extra install); other
    # labels: README "ActionPose", tools/misc/make_text_embeddings.py.
    text_encoder=dict(type='ShippedTextEncoder'),
    masker=dict(
        type='RandomChoiceMasker',
        maskers=[
            dict(type='SpatioTemporalMasker', num_joints=5,
                 frame_ratio=0.6),
            dict(type='BodyPartMasker', num_parts=1),
            dict(type='TimeWindowMasker', frame_ratio=0.5),
        ]),
    noise=dict(
        type='DetectorNoise', jitter_std=0.01, outlier_prob=0.02,
        outlier_std=0.1),
    loss=dict(type='MPJPELoss'),
    align_loss=dict(
        type='InfoNCELoss', temperature=0.07, learnable_temperature=True,
        max_logit_scale=100.0),
    lambda_recon=1.0,
    lambda_action=0.1,
    lambda_align=0.1,
    head_dropout=0.1,
    unknown_label='error')
