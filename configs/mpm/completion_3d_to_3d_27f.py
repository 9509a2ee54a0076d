# MPM pose completion from partial 3D input (section 3.3.2, Table 4): the
# stage I 3D branch (3D pose encoder -> shared trunk, L = 4 -> masked 3D
# decoder; 27 frames) fine-tuned on Human3.6M root-relative 3D windows with
# tube masking of one body part per sample (right leg, left leg, left arm
# or right arm hidden in every frame; no temporal masking) and the stage I
# loss (3D reconstruction error over all frames and joints). Testing hides
# each limb in turn with the same masks in every run and prints Table 4
# (ours next to the paper's 13.0 / 12.4 / 24.0 / 21.6 mm; error over all
# 17 joints of every frame of each window).
#   python tools/train.py configs/mpm/completion_3d_to_3d_27f.py \
#     --cfg-options load_from=work_dirs/<27-frame stage I run>/epoch_15.pth
#   python tools/test.py configs/mpm/completion_3d_to_3d_27f.py CKPT
# The submodules are named as in MaskedPoseModeling (encoder_3d, trunk,
# decoder_3d, mask_vector_3d), so `load_from` a 27-frame stage I checkpoint
# loads the whole 3D branch (its 2D branch is ignored; with PretrainedParts
# use key_map=STAGE1_TO_COMPLETION_3D).
# Not given by the paper (our choices): one model for all four limbs,
# window dilation 1, stage I's optimiser for 15 epochs.
_base_ = [
    '../_base_/runtime_best_mpjpe.py',
    '../_base_/datasets/h36m_cpn.py',
    '../_base_/models/mpm_completion_3d.py',
    '../_base_/schedules/mpm_pretrain_15e.py',
]
seq_len = 27
dilation = 1
num_frames = seq_len
table4 = ['right_leg', 'left_leg', 'left_arm', 'right_arm']

train_dataloader = dict(
    batch_size=1024, dataset=dict(seq_len=seq_len, dilation=dilation))
val_dataloader = dict(dataset=dict(seq_len=seq_len, dilation=dilation))
test_dataloader = val_dataloader

# The stage I 3D branch (../_base_/models/mpm_completion_3d.py) on 27 frames.
model = dict(
    trunk=dict(temporal=dict(num_frames=num_frames)),
    decoder=dict(num_frames=num_frames),
    # Tube masking of one limb per sample (Table 4's settings).
    train_masker=dict(
        type='RandomChoiceMasker',
        maskers=[dict(type='OcclusionMasker', setting=s) for s in table4]),
    eval_settings=table4,
    eval_seed=0,
    # Test: the raw reconstruction of every joint is scored; True keeps the
    # input's visible joints and scores only the filled-in ones as errors.
    keep_visible=False)

val_evaluator = dict(type='CompletionMetric', occluded=True)
test_evaluator = val_evaluator

# Stage I's schedule (../_base_/schedules/mpm_pretrain_15e.py), validated
# every 5 epochs.
train_cfg = dict(val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
