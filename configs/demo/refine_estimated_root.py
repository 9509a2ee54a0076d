# Demo of the pose refinement (Cai et al., ICCV 2019), HONEST MODE: the root
# depth is estimated in closed form from the 2D input, the camera intrinsics
# and the lifted pose (perspective least squares; no ground truth at test
# time). Otherwise identical to configs/demo/refine.py (GT root depth).
#   python tools/train.py configs/demo/refine_estimated_root.py \
#       --trust-checkpoint \
#       --cfg-options model.lifter_checkpoint=work_dirs/lifter/iter_1500.pth
#   python tools/test.py configs/demo/refine_estimated_root.py \
#       work_dirs/demo/refine_estimated_root/iter_200.pth
_base_ = ['./refine.py']
model = dict(root_depth='estimated', depth_method='lstsq')
