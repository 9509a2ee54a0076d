# The demo's stage I with masked 2D pose modeling only (no 3D encoder or 3D
# decoder): the "2D only" arm of MPM Table 6 at demo scale. Same sizes,
# masking, schedule, data (synthetic Human3.6M + motion corpus) and seed as
# configs/demo/pretrain_corpus.py (2D + 3D).
#   python tools/analysis_tools/pretrain_ablation.py   (runs all three arms)
_base_ = ['./pretrain_corpus.py']
model = dict(encoder_3d=None, decoder_3d=None, masker_3d=None)
