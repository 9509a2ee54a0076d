# MPM Table A, row "3D decoder in stage I", stage I. Read here as: a 2D -> 3D
# lifting decoder is trained already in stage I (MPM v1's masked 2D -> 3D
# lifting pretext: the 2D branch's trunk tokens also go through a 3D decoder,
# loss lambda_lift * MPJPE against the paired 3D window), instead of meeting
# 3D targets only in stage II (the main setting, "3D decoder in stage II" =
# configs/ablations/table6_finetune_2d3d.py). The lifting decoder has the
# size of the stage I 3D decoder (one block, d 256, FFN 512, 8 heads).
#   tools/dist_train.sh configs/ablations/tablea_decoder3d_stage1_pretrain.py 4
# then configs/ablations/tablea_decoder3d_stage1_finetune.py.
_base_ = ['../mpm/pretrain_h36m_243f.py']
model = dict(
    lift_pretext=True,
    lambda_lift=1.0,
    decoder_lift=dict(
        type='MaskedPoseDecoder',
        num_frames=243,
        in_channels=256,
        embed_dim=256,
        depth=1,
        num_heads=8,
        ffn_dim=512,
        dropout=0.1,
        num_joints=17,
        out_channels=3))
