# MPM Table 6, row "no pre-training": the stage II network (STMO lifter,
# L = 4, 243 frames, dilation 2, Human3.6M CPN) trained from random
# initialisation with the MPM stage II settings.
#   tools/dist_train.sh configs/ablations/table6_no_pretrain.py 4
#   python tools/test.py configs/ablations/table6_no_pretrain.py CHECKPOINT
_base_ = ['../mpm/finetune_h36m_cpn_243f.py']
model = dict(init_cfg=None)
