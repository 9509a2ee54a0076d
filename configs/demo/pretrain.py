# The demo's stage I: small masked pose modeling (27 frames, widths
# 256/128, depth 2, the sizes of configs/demo/lifter.py) on the built-in
# synthetic Human3.6M, a few minutes on CPU:
#   python tools/train.py configs/demo/pretrain.py
# Its checkpoint initialises the demo lifter's encoder and trunk:
#   python tools/train.py configs/demo/lifter.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/pretrain/iter_600.pth
_base_ = [
    '../_base_/datasets/synthetic_h36m_demo_train.py',
    '../_base_/models/mpm_pretrain.py',
    '../_base_/schedules/demo_adamw_cosine.py',
]
num_frames = 27
width = 128

_decoder = dict(
    num_frames=num_frames, in_channels=width, embed_dim=width, depth=1,
    ffn_dim=256, num_heads=4, dropout=0.0)
model = dict(
    encoder_2d=dict(embed_dim=256, dropout=0.1),
    encoder_3d=dict(embed_dim=256, dropout=0.1),
    trunk=dict(
        spatial=dict(in_dim=256, out_dim=width, dropout=0.1),
        temporal=dict(
            num_frames=num_frames, embed_dim=width, depth=2, ffn_dim=256,
            num_heads=4, dropout=0.0)),
    decoder_2d=_decoder,
    decoder_3d=_decoder)
