# Honest counterpart of configs/mpm/refine_h36m_cpn_243f.py (P-STMO's refine
# on Human3.6M CPN, 243 frames): the root depth is estimated in closed form
# from the 2D input, the camera intrinsics and the lifted pose (perspective
# least squares), so no ground truth is used at test time. No paper number
# exists for this setting (the papers' 42.1 mm uses the GT root depth).
#   python tools/train.py configs/mpm/refine_h36m_cpn_243f_estimated_root.py \
#       --trust-checkpoint \
#       --cfg-options model.lifter_checkpoint=STAGE_II.pth
#   python tools/test.py configs/mpm/refine_h36m_cpn_243f_estimated_root.py \
#       CHECKPOINT
_base_ = ['./refine_h36m_cpn_243f.py']
model = dict(root_depth='estimated', depth_method='lstsq')
default_hooks = dict(
    checkpoint=dict(save_best='mpjpe_mm_refine_estimated_root_depth'))
