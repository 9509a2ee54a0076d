# ActionPose stage II on Human3.6M CPN detections (arXiv 2409.00449: 36.7 mm
# MPJPE): the STMO lifter (L = 4, 243 frames, dilation 2) whose 2D encoder
# and shared trunk start from the ActionPose pre-training checkpoint
# (configs/actionpose/pretrain_h36m_243f.py); fine-tuned without action
# labels, with the MPM stage II recipe (AdamW, lr 1.6e-3 at batch 1024,
# x0.97 per epoch, 40 epochs).
#   tools/dist_train.sh configs/actionpose/finetune_h36m_cpn_243f.py 4
# Another checkpoint: --cfg-options model.init_cfg.checkpoint=PATH
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
work_dir = 'work_dirs/actionpose/finetune_h36m_cpn_243f'
model = dict(
    init_cfg=dict(
        type='PretrainedParts',
        checkpoint='work_dirs/actionpose/pretrain_h36m_243f/epoch_15.pth',
        key_map={
            'encoder.': 'encoder.',
            'trunk.': 'trunk.'
        }))
