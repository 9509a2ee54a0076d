"""Publish a training checkpoint as a stripped, safe-to-load release file.

The output keeps only ``meta`` (plain JSON-like values) and ``state_dict``
(tensors); optimizer state, message hub and parameter schedulers are dropped.
It always loads with ``torch.load(weights_only=True)``, so it can be shared
and loaded anywhere without ``--trust-checkpoint``. Unless ``--no-hash`` is
given the file is renamed ``<stem>-<first 8 hex of sha256>.pth``.

The input is read by :func:`mpm.engine.checkpoint.load_checkpoint_file`:
container CRCs and the recorded sha256 are checked, and it is loaded with
``weights_only=True`` plus the allow-list of the globals MMEngine training
checkpoints contain, wherever it lies. Any other checkpoint is refused unless
``--trust-checkpoint`` is given (full unpickling, which can run code stored
in the file; logged at WARNING). The output records the sha256 of its own
payload, and keeps the model's joint order (``meta['joint_order']``, written
by every training run), so that loading it into a model of another joint
order is an error; a file without one (older, converted official) is
published as is, and says so.

Example::

    python tools/model_converters/publish_model.py \\
        work_dirs/mpm_h36m/epoch_80.pth mpm_h36m.pth
"""
import argparse

from mmengine.logging import print_log

from mpm.engine.checkpoint import (CheckpointLoadError, load_checkpoint_file,
                                   save_published)
from mpm.utils.joint_order import checkpoint_joint_order


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Strip a training checkpoint to meta + state_dict and '
        'save it so that it loads with torch.load(weights_only=True).')
    parser.add_argument('in_file', help='input checkpoint (.pth)')
    parser.add_argument('out_file', help='output checkpoint (.pth)')
    parser.add_argument(
        '--no-hash',
        action='store_true',
        help='do not append the first 8 hex digits of the sha256 to the name')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='fully unpickle the input if it needs globals outside the '
        'allow-list (only for files whose origin you trust: unpickling can '
        'run code)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        ckpt = load_checkpoint_file(args.in_file, map_location='cpu',
                                    trust=args.trust_checkpoint)
    except (FileNotFoundError, CheckpointLoadError) as err:
        raise SystemExit(f'publish_model.py: {err}') from err
    if checkpoint_joint_order(ckpt) is None:
        print_log(f'{args.in_file} records no joint order (meta.joint_order;'
                  ' an older or converted checkpoint): the published file '
                  'loads without a joint-order check', logger='current')
    final = save_published(ckpt, args.out_file, add_hash=not args.no_hash)
    print(final)
    return final


if __name__ == '__main__':
    main()
