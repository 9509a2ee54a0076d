# The demo's stage II: the demo lifter (configs/demo/lifter.py) with its 2D
# encoder and shared trunk initialised from the demo's stage I
# (configs/demo/pretrain_corpus.py: synthetic Human3.6M + the motion
# corpus), as
# MPM's stage I -> stage II transfer. It fine-tunes on the synthetic
# Human3.6M training subjects *and* on paired 2D-3D windows of the motion
# corpus seen through random virtual cameras (all families except the five
# held out for testing, configs/demo/lifter_corpus_test.py), so that the
# model it writes lifts motion beyond the six synthetic actions.
#   make demo   (generates the data, runs stage I, publishes
#                work_dirs/demo/pretrain.pth, then this config, then the
#                tests; writes work_dirs/demo/lifter.py + lifter.pth)
# By hand:
#   python tools/train.py configs/demo/pretrain_corpus.py --work-dir work_dirs/demo/pretrain
#   python tools/model_converters/publish_model.py \
#     $(cat work_dirs/demo/pretrain/last_checkpoint) work_dirs/demo/pretrain.pth --no-hash
#   python tools/train.py configs/demo/finetune.py --work-dir work_dirs/demo
_base_ = ['./lifter.py']
model = dict(
    init_cfg=dict(
        type='PretrainedParts', checkpoint='work_dirs/demo/pretrain.pth'))
# Every corpus family but the held-out ones (jump, throw, kick, kneel,
# spin).
corpus_train_families = [
    'run', 'jog', 'hop', 'skip', 'side_step', 'walk_backwards',
    'climb_steps', 'punch', 'reach_overhead', 'wave_both_arms', 'clap',
    'stretch', 'golf_swing', 'bend_and_pick_up', 'crouch', 'lunge',
    'sit_on_the_floor_and_stand_up', 'dance', 'jumping_jacks'
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MixtureDataset',
        datasets=[
            # the demo lifter's synthetic Human3.6M training windows
            {{_base_.train_dataloader.dataset}},
            dict(
                type='AmassDataset',
                data_root='data/motion_corpus/',
                ann_file='motion_corpus_h36m_50fps.npz',
                seq_len=27,
                dilation=2,
                modality='both',
                camera='virtual',
                num_views=2,
                downsample=2,
                subsets=corpus_train_families,
                seed=1),
        ],
        names=['synthetic_h36m', 'motion_corpus'],
        fractions=[1.0, 1.0],
        seed=0))
# Shorter than the lifter alone (1,500 iterations) so that stage I + stage II
# + tests stay within 10 minutes on 2 CPU cores.
max_iters = 1200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1,
                 val_begin=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100,
         end=max_iters),
]
