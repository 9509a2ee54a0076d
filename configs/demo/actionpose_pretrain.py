# The demo's ActionPose pre-training (arXiv 2409.00449 at demo scale):
# masked and noisy 2D -> 3D, action recognition over the six actions of
# the built-in synthetic Human3.6M, and alignment with text embeddings of
# the labels. Same sizes as configs/demo/pretrain.py (27 frames, widths
# 256/128, depth 2); a few minutes on CPU:
#   python tools/train.py configs/demo/actionpose_pretrain.py
# Then fine-tune the demo lifter from it (stage II, no labels):
#   python tools/train.py configs/demo/actionpose_lifter.py
# The text embeddings are the real all-MiniLM-L6-v2 sentence embeddings
# shipped with mpm (ShippedTextEncoder, from the model base); the
# dependency-free hashing stand-in (lexical, not semantic) is still there:
#   --cfg-options model.text_encoder.type=PrecomputedTextEncoder \
#     model.text_encoder.embedding_file=\
#     configs/demo/actionpose_text_embeddings.json
# The same recipe on the synthetic set plus the motion corpus:
# configs/demo/actionpose_pretrain_corpus.py.
_base_ = [
    '../_base_/datasets/synthetic_h36m_demo_train.py',
    '../_base_/models/actionpose_pretrain.py',
    '../_base_/schedules/demo_adamw_cosine.py',
]
num_frames = 27
width = 128

model = dict(
    encoder=dict(embed_dim=256, dropout=0.1),
    trunk=dict(
        spatial=dict(in_dim=256, out_dim=width, dropout=0.1),
        temporal=dict(
            num_frames=num_frames, embed_dim=width, depth=2, ffn_dim=256,
            num_heads=4, dropout=0.0)),
    decoder=dict(
        num_frames=num_frames, in_channels=width, embed_dim=width, depth=1,
        ffn_dim=256, num_heads=4, dropout=0.0),
    class_names='synthetic')

max_iters = 1000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=50,
         end=max_iters),
]
