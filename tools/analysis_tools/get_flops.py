"""Parameters and FLOPs of a config's model, per module, two conventions.

    python tools/analysis_tools/get_flops.py CONFIG [--json OUT]
        [--max-depth 2] [--num-joints J] [--stage2 CONFIG]
        [--cfg-options k=v ...]

``full``: all parameters, FLOPs of every matmul incl. attention.
``paper``: the P-STMO/MPM (thop) convention: no positional embeddings, mask
tokens or LayerNorms; Linear/Conv multiply-accumulates (+ BatchNorm) x 2.

For an MPM stage I config (``MaskedPoseModeling``) it also prints MPM's
per-part table (Table 5: 2D encoder, 3D encoder, shared layers, 2D decoder,
3D decoder stage I and, with ``--stage2`` naming the fine-tune config, the
stage II strided transformer). ``--num-joints 16`` builds both models with
16 joints (MPM's 16-joint mode, the setting of Table 5):

    python tools/analysis_tools/get_flops.py configs/mpm/pretrain_h36m_243f.py \
        --stage2 configs/mpm/finetune_h36m_cpn_243f.py --num-joints 16
"""
import argparse
import json

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mpm.models.algorithms.pose_lifter import example_inputs
from mpm.registry import MODELS
from mpm.utils.complexity import (complexity_table, count_complexity,
                                  mpm_part_complexity, part_table)


def set_num_joints(model_cfg, num_joints: int) -> int:
    """Set every ``num_joints`` entry of a model config; returns how many."""
    found = 0
    if isinstance(model_cfg, dict):
        for key, value in model_cfg.items():
            if key == 'num_joints':
                model_cfg[key] = num_joints
                found += 1
            else:
                found += set_num_joints(value, num_joints)
    elif isinstance(model_cfg, (list, tuple)):
        for value in model_cfg:
            found += set_num_joints(value, num_joints)
    return found


def build_model(config: str, cfg_options=None, num_joints=None):
    """The config's model, without its init_cfg (no checkpoint is read)."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mpm'))
    model_cfg = cfg.model.to_dict()
    model_cfg.pop('init_cfg', None)
    if num_joints is not None and not set_num_joints(model_cfg, num_joints):
        raise ValueError(f'--num-joints: no num_joints entry in the model '
                         f'config of {config}')
    return MODELS.build(model_cfg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--json', help='write the counts to this JSON file')
    parser.add_argument('--max-depth', type=int, default=2)
    parser.add_argument('--num-joints', type=int, default=None,
                        help='build the model(s) with this many joints '
                        '(16: MPM Table 5)')
    parser.add_argument('--stage2', default=None,
                        help='fine-tune config whose strided transformer '
                        'completes the MPM per-part table')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    model = build_model(args.config, args.cfg_options, args.num_joints)
    if type(model).__name__ == 'MaskedPoseModeling':
        stage2 = (build_model(args.stage2, num_joints=args.num_joints)
                  if args.stage2 else None)
        parts = mpm_part_complexity(model, stage2)
        print(part_table(parts))
        result = dict(parts=parts)
    elif args.stage2:
        parser.error('--stage2 is for MPM stage I configs '
                     '(MaskedPoseModeling)')
    else:
        result = count_complexity(model, example_inputs(model),
                                  args.max_depth)
        print(complexity_table(result))
        print(f"\nfull:  {result['full']['params']:,} params, "
              f"{result['full']['flops'] / 1e6:,.1f}M FLOPs")
        print(f"paper: {result['paper']['params']:,} params, "
              f"{result['paper']['flops'] / 1e6:,.1f}M FLOPs")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'written to {args.json}')
    return result


if __name__ == '__main__':
    main()
