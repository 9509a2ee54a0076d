# ActionPose's objectives on MPM's stage I: the demo's masked 2D and 3D pose
# modeling on the synthetic Human3.6M plus the motion corpus
# (./pretrain_corpus.py, unchanged), and on every step the branch that runs
# also pools its trunk tokens into a motion embedding for action recognition
# and alignment with the shipped all-MiniLM-L6-v2 embeddings of the
# per-frame labels' sentences (the synthetic set's six actions, the corpus's
# 26 families; a window's label is its centre frame's). Loss weights are
# ActionPose's (./actionpose_pretrain.py: 0.1 action, 0.1 alignment).
#   python tools/dataset_converters/make_synthetic_h36m.py \
#     --out-dir data/synthetic_h36m
#   python tools/dataset_converters/make_motion_corpus.py \
#     --out-dir data/motion_corpus
#   python tools/train.py configs/demo/pretrain_corpus_action.py
# Ablation (same vectors, wrong labels):
#   --cfg-options model.action_text.shuffle_text_embeddings=True
# Stage II loads its encoder and trunk like any stage I's:
#   python tools/train.py configs/demo/lifter.py --cfg-options \
#     model.init_cfg.type=PretrainedParts \
#     model.init_cfg.checkpoint=work_dirs/pretrain_corpus_action/iter_600.pth
_base_ = ['./pretrain_corpus.py']
work_dir = 'work_dirs/pretrain_corpus_action'
# The head's defaults are ActionPose's settings (InfoNCE with a learnable
# temperature from 0.07, dropout 0.1, unknown labels are an error).
model = dict(
    action_text=dict(
        type='ActionTextHead',
        class_names='synthetic+corpus',
        text_encoder=dict(type='ShippedTextEncoder'),
        lambda_action=0.1,
        lambda_align=0.1))
