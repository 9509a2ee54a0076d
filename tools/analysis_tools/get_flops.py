"""Parameters and FLOPs of a config's model, per module, two conventions.

    python tools/analysis_tools/get_flops.py CONFIG [--json OUT]
        [--max-depth 2] [--cfg-options k=v ...]

``full``: all parameters, FLOPs of every matmul incl. attention.
``paper``: the P-STMO/MPM (thop) convention: no positional embeddings, mask
tokens or LayerNorms; Linear/Conv multiply-accumulates (+ BatchNorm) x 2.
"""
import argparse
import json

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mpm.models.algorithms.pose_lifter import example_inputs
from mpm.registry import MODELS
from mpm.utils.complexity import complexity_table, count_complexity


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--json', help='write the counts to this JSON file')
    parser.add_argument('--max-depth', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mpm'))
    model = MODELS.build(cfg.model)
    result = count_complexity(model, example_inputs(model), args.max_depth)
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
