# MPM pose completion from partial 2D input (section 3.3.2, Table 3):
# the stage II lifter (STMO, L = 4, 27 frames) fine-tuned on Human3.6M CPN
# detections with incomplete 2D windows. Each training window hides, in
# every frame, the joints of one setting drawn per sample: 1 random joint,
# 2 random joints, both legs, both arms, left leg + left arm, right leg +
# right arm; the hidden joints get a learnable 2D mask vector. Testing runs
# every setting on every window with seeded masks and prints Table 3
# (ours next to the paper's 40.5 / 41.5 / 62.1 / 77.0 / 56.9 / 56.3 mm).
#   python tools/train.py configs/mpm/completion_2d_to_3d_27f.py \
#     --cfg-options load_from=work_dirs/<27-frame stage II run>/best.pth
#   python tools/test.py configs/mpm/completion_2d_to_3d_27f.py CKPT
# The submodules are named as in PoseLifter (encoder, trunk, decoder,
# seq_head), so `load_from` a 27-frame stage II checkpoint loads them all;
# from a stage I checkpoint use model.init_cfg = dict(type='PretrainedParts',
# checkpoint=..., key_map=STAGE1_TO_COMPLETION_2D) (encoder, trunk and the
# stage I 2D mask vector; see mpm/models/algorithms/pose_completion.py).
# Not given by the paper (our choices): one model for all six settings,
# window dilation 1 at 27 frames, the stage II schedule (40 epochs; MPM
# stage II optimiser: AdamW, lr 1.6e-3 at batch 1024, x0.97/epoch).
_base_ = [
    '../_base_/runtime_best_mpjpe.py',
    '../_base_/datasets/h36m_cpn.py',
    '../_base_/models/stmo_lifter.py',
    '../_base_/schedules/mpm_finetune_40e.py',
]
seq_len = 27
dilation = 1
num_frames = seq_len
table3 = ['random_1', 'random_2', 'both_legs', 'both_arms', 'left_leg_arm',
          'right_leg_arm']

train_dataloader = dict(
    batch_size=1024, dataset=dict(seq_len=seq_len, dilation=dilation))
val_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
test_dataloader = val_dataloader

model = dict(
    type='LiftingCompletion',
    trunk=dict(temporal=dict(num_frames=num_frames)),
    # 27 -> 9 -> 3 -> 1 tokens.
    decoder=dict(num_frames=num_frames, strides=[3, 3, 3]),
    # Training: per sample one Table 3 setting, tube-masked (all frames).
    train_masker=dict(
        type='RandomChoiceMasker',
        maskers=[dict(type='OcclusionMasker', setting=s) for s in table3]),
    # Testing: every setting on every window; masks seeded by eval_seed and
    # the window's meta (the same in every run).
    eval_settings=table3,
    eval_seed=0)

val_evaluator = dict(type='CompletionMetric', occluded=True)
test_evaluator = val_evaluator
