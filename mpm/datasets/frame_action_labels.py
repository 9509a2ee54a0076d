"""Per-frame action labels of motion sequences, from any source, and the
label of a window (its centre frame's, :func:`.babel.window_label`).

Sources, all turned into ``{sequence name: (N,) str array}`` at the frame
rate of the motion file:

- label ids stored next to the motion (the built-in motion corpus's
  ``labels``: sequence name -> (N,) int ids into ``metadata['families']``;
  the synthetic Human3.6M's ``labels``: subject -> sequence -> ids into
  ``metadata['actions']``): :func:`names_of_label_ids`;
- BABEL annotations of AMASS (:func:`babel_labels_for_sequences`): the
  dominant label of each frame, matched to AMASS sequence names by
  :func:`babel_sequence_name`.

A transition inside a sequence changes the label at the frame where the
motion changes.
"""
from typing import Dict, Mapping, Optional, Sequence

import numpy as np

from .babel import (BabelSequence, dominant_frame_labels, load_babel,
                    window_label)

#: Metadata keys that name the label ids of a motion file, in the order
#: they are looked for.
LABEL_NAME_KEYS = ('label_names', 'families', 'actions')


def label_names_of(metadata: Mapping, where: str) -> Sequence[str]:
    """The names of a motion file's label ids (first of
    :data:`LABEL_NAME_KEYS` in ``metadata``)."""
    for key in LABEL_NAME_KEYS:
        if key in metadata:
            return [str(x) for x in metadata[key]]
    raise ValueError(f'{where}: has per-frame label ids but its metadata '
                     f'names none of {list(LABEL_NAME_KEYS)}')


def names_of_label_ids(ids, names: Sequence[str], num_frames: int,
                       where: str) -> np.ndarray:
    """(N,) int label ids -> (N,) str array of label names.

    Raises ``ValueError`` when the length differs from the motion's
    ``num_frames`` or an id is outside ``names``.
    """
    ids = np.asarray(ids)
    if ids.shape != (num_frames, ) or not np.issubdtype(ids.dtype,
                                                        np.integer):
        raise ValueError(f'{where}: per-frame labels must be ({num_frames},) '
                         f'integers like the motion, got {ids.dtype} '
                         f'{ids.shape}')
    if len(ids) and (ids.min() < 0 or ids.max() >= len(names)):
        raise ValueError(f'{where}: label ids must be in 0..{len(names) - 1}'
                         f' ({len(names)} names), got {ids.min()}..'
                         f'{ids.max()}')
    return np.asarray(names, dtype=object)[ids]


def babel_sequence_name(feat_p: str) -> str:
    """AMASS sequence name (as ``prepare_amass.py`` writes it) of a BABEL
    ``feat_p``: ``'CMU/CMU/86/86_04_poses.npz'`` -> ``'CMU/86/86_04_poses'``
    (extension dropped; the doubled sub-dataset folder of AMASS's archives
    dropped)."""
    name = feat_p.replace('\\', '/')
    if name.endswith('.npz'):
        name = name[:-4]
    parts = [p for p in name.split('/') if p]
    if len(parts) > 2 and parts[0] == parts[1]:
        parts = parts[1:]
    return '/'.join(parts)


def babel_labels_for_sequences(babel: Mapping[str, BabelSequence],
                               lengths: Mapping[str, int], fps: float,
                               key: str = 'proc_label',
                               none_label: str = '') -> Dict[str, np.ndarray]:
    """Per-frame BABEL labels of the motion sequences BABEL annotates.

    Args:
        babel: parsed BABEL sequences (:func:`.babel.load_babel`).
        lengths: sequence name -> frames N of the motion (at ``fps``).
        fps: frame rate of the motion file (50 for ``prepare_amass.py``).
        key: BABEL label field.
        none_label: label of frames no segment covers.

    Returns:
        name -> (N,) str array (:func:`.babel.dominant_frame_labels`) for
        the sequences of ``lengths`` that BABEL annotates.
    """
    out = {}
    for seq in babel.values():
        name = babel_sequence_name(seq.feat_p)
        if name in lengths and name not in out:
            labels = dominant_frame_labels(seq, fps, lengths[name], key,
                                           none_label)
            out[name] = np.asarray(labels, dtype=object)
    return out


def read_babel_labels(path: str, lengths: Mapping[str, int], fps: float,
                      key: str = 'proc_label',
                      none_label: str = '') -> Dict[str, np.ndarray]:
    """:func:`babel_labels_for_sequences` of a BABEL JSON file; error when
    it annotates none of the sequences."""
    labels = babel_labels_for_sequences(load_babel(path), lengths, fps, key,
                                        none_label)
    if not labels:
        some = sorted(lengths)[:3]
        raise ValueError(
            f'BABEL file {path} annotates none of the {len(lengths)} motion '
            f'sequences (e.g. {some}); its feat_p paths must name the AMASS '
            'files the motion was converted from')
    return labels


def window_action(labels: Optional[np.ndarray], frame: int,
                  default: str = '') -> str:
    """Action of a window whose centre is ``frame`` of a sequence with
    per-frame ``labels`` (None: the sequence has none -> ``default``)."""
    if labels is None:
        return default
    return str(window_label(labels, frame, default))
