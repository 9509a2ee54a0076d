"""Built-in synthetic Human3.6M: procedural motion in VideoPose3D's format.

``generate_synthetic_h36m(out_dir)`` writes ``data_3d_h36m.npz``,
``data_2d_h36m_gt.npz`` and ``data_2d_h36m_synthetic_det.npz`` so that demos
and tests exercise the real Human3.6M loading code without any download.
See :mod:`.motion` (skeletons, actions, forward kinematics) and
:mod:`.writer` (projection, detector noise, files).

``generate_motion_corpus(out_dir)`` writes the built-in motion corpus (24
motion families, the AMASS stand-in): :mod:`.motion_families` (the family
table) and :mod:`.corpus` (sequences, floor, files).
"""
from .corpus import (CORPUS_FILE, MAIN_FAMILIES, build_motion_corpus,
                     generate_motion_corpus)
from .motion import (ACTIONS, FPS, MEAN_BONE_LENGTHS_MM, Body, expand_to_32,
                     forward_kinematics, sample_body, subject_body,
                     synthesize_motion, synthesize_motion_32)
from .motion_families import FAMILY_NAMES, MOTION_FAMILIES
from .writer import (DEFAULT_NUM_FRAMES, DET_SOURCE, FILE_2D_DET, FILE_2D_GT,
                     FILE_3D, H36M_SIZE_NUM_FRAMES, JOINT_NOISE_SCALE,
                     METADATA, SUBJECTS, build_synthetic_h36m,
                     detector_noise, generate_synthetic_h36m,
                     project_sequence, sequence_names)

__all__ = [
    'ACTIONS', 'FPS', 'MEAN_BONE_LENGTHS_MM', 'Body', 'expand_to_32',
    'forward_kinematics', 'sample_body', 'subject_body', 'synthesize_motion',
    'synthesize_motion_32', 'DEFAULT_NUM_FRAMES', 'DET_SOURCE', 'FILE_2D_DET',
    'FILE_2D_GT', 'FILE_3D', 'H36M_SIZE_NUM_FRAMES', 'JOINT_NOISE_SCALE',
    'METADATA', 'SUBJECTS', 'build_synthetic_h36m', 'detector_noise',
    'generate_synthetic_h36m', 'project_sequence', 'sequence_names',
    'CORPUS_FILE', 'MAIN_FAMILIES', 'FAMILY_NAMES', 'MOTION_FAMILIES',
    'build_motion_corpus', 'generate_motion_corpus'
]
