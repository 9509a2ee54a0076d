# MPM stage I (masked pose modeling): the network of ./mpm_network.py (2D
# and 3D branches around the STMO lifter's shared trunk, L = 4, 243 frames;
# masking 5 joints per frame + 60% of the frames; 2.0 * L_m2m + 3.0 * L_m3m)
# set up for pre-training. Stage II loads `encoder.` and `trunk.` from its
# checkpoints.
_base_ = ['./mpm_network.py']
# Alternating branches leave one branch without gradients in each step.
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
