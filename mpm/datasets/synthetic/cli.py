"""The command line every synthetic-data generator starts from.

``tools/dataset_converters/make_synthetic_h36m.py`` and
``make_motion_corpus.py`` both write seeded files into a folder; this parser
gives them the same ``--out-dir`` and ``--seed`` options (defaults shown in
``--help``), and each adds its own size options.
"""
import argparse

__all__ = ['generator_parser']


def generator_parser(description: str,
                     default_out_dir: str) -> argparse.ArgumentParser:
    """An argument parser with ``--out-dir`` (default ``default_out_dir``)
    and ``--seed`` (default 0) for a seeded data generator."""
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--out-dir', default=default_out_dir,
                        help='output folder (created if missing)')
    parser.add_argument('--seed', type=int, default=0,
                        help='master seed; the same seed gives identical '
                        'arrays')
    return parser
