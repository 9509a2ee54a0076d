"""Skeleton definitions shared by datasets, augmentation, metrics and drawing.

Human3.6M-17 joint order (index: name): 0 pelvis, 1 R hip, 2 R knee, 3 R ankle,
4 L hip, 5 L knee, 6 L ankle, 7 spine, 8 thorax, 9 neck/nose, 10 head,
11 L shoulder, 12 L elbow, 13 L wrist, 14 R shoulder, 15 R elbow, 16 R wrist.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import numpy as np


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree: joint names, parent of each joint, left/right sides."""
    name: str
    joint_names: Tuple[str, ...]
    parents: Tuple[int, ...]
    left: Tuple[int, ...]
    right: Tuple[int, ...]
    root: int = 0

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def flip_permutation(self) -> np.ndarray:
        """Index array that swaps left and right joints: ``x[..., perm, :]``."""
        perm = np.arange(self.num_joints)
        perm[list(self.left)] = self.right
        perm[list(self.right)] = self.left
        return perm

    @property
    def bones(self) -> Tuple[Tuple[int, int], ...]:
        """(parent, child) pairs."""
        return tuple((p, c) for c, p in enumerate(self.parents) if p >= 0)

    def metainfo(self) -> Dict[str, Any]:
        """The skeleton as plain types, for a dataset's ``metainfo``:
        ``skeleton`` (the name), ``num_joints``, ``joint_names``,
        ``parents``, ``flip_indices``, ``left``, ``right``, ``root``."""
        return dict(skeleton=self.name, num_joints=self.num_joints,
                    joint_names=list(self.joint_names),
                    parents=list(self.parents),
                    flip_indices=self.flip_permutation.tolist(),
                    left=list(self.left), right=list(self.right),
                    root=self.root)


H36M_SKELETON = Skeleton(
    name='h36m',
    joint_names=('pelvis', 'r_hip', 'r_knee', 'r_ankle', 'l_hip', 'l_knee',
                 'l_ankle', 'spine', 'thorax', 'neck', 'head', 'l_shoulder',
                 'l_elbow', 'l_wrist', 'r_shoulder', 'r_elbow', 'r_wrist'),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15),
    left=(4, 5, 6, 11, 12, 13),
    right=(1, 2, 3, 14, 15, 16),
)

#: Indices of the 32 raw Human3.6M joints kept in the 17-joint layout, in order.
H36M_32_TO_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)

#: The 15 Human3.6M actions in the order the papers' tables use.
H36M_ACTIONS = ('Directions', 'Discussion', 'Eating', 'Greeting', 'Phoning',
                'Photo', 'Posing', 'Purchases', 'Sitting', 'SittingDown',
                'Smoking', 'Waiting', 'WalkDog', 'Walking', 'WalkTogether')

#: The six action categories of the built-in synthetic Human3.6M, in the
#: order its generator uses for seeding.
SYNTHETIC_ACTIONS = ('Walking', 'SittingDown', 'Waving', 'Squatting',
                     'Turning', 'Reaching')

#: The families of the built-in motion corpus, in label-index order (the
#: generator, mpm.datasets.synthetic.motion_families, defines one motion per
#: name; a test keeps the two lists equal).
CORPUS_FAMILIES = ('stand', 'walk', 'run', 'jog', 'jump', 'hop', 'skip',
                   'side step', 'walk backwards', 'climb steps', 'throw',
                   'punch', 'reach overhead', 'wave both arms', 'clap',
                   'stretch', 'golf swing', 'bend and pick up', 'crouch',
                   'lunge', 'kneel', 'sit on the floor and stand up', 'kick',
                   'spin', 'dance', 'jumping jacks')

H36M_TRAIN_SUBJECTS = ('S1', 'S5', 'S6', 'S7', 'S8')
H36M_TEST_SUBJECTS = ('S9', 'S11')


def action_name(raw: str) -> str:
    """Action category of a Human3.6M sequence name.

    Cut at the first space or underscore: ``'Walking 1' -> 'Walking'``,
    ``'TakingPhoto_1' -> 'TakingPhoto'``. Human3.6M's 'TakingPhoto' and
    'WalkingDog' spellings map to the table names 'Photo' and 'WalkDog'.
    """
    base = raw.replace('_', ' ').split(' ')[0]
    return {'TakingPhoto': 'Photo', 'WalkingDog': 'WalkDog'}.get(base, base)


#: MPI-INF-3DHP 17-joint order (the official 17-joint test annotation, as in
#: P-STMO's npz files): 0 head_top, 1 neck, 2 R shoulder, 3 R elbow,
#: 4 R wrist, 5 L shoulder, 6 L elbow, 7 L wrist, 8 R hip, 9 R knee,
#: 10 R ankle, 11 L hip, 12 L knee, 13 L ankle, 14 pelvis (root), 15 spine,
#: 16 head.
MPI_INF_3DHP_SKELETON = Skeleton(
    name='mpi_inf_3dhp',
    joint_names=('head_top', 'neck', 'r_shoulder', 'r_elbow', 'r_wrist',
                 'l_shoulder', 'l_elbow', 'l_wrist', 'r_hip', 'r_knee',
                 'r_ankle', 'l_hip', 'l_knee', 'l_ankle', 'pelvis', 'spine',
                 'head'),
    parents=(16, 15, 1, 2, 3, 1, 5, 6, 14, 8, 9, 14, 11, 12, -1, 14, 1),
    left=(5, 6, 7, 11, 12, 13),
    right=(2, 3, 4, 8, 9, 10),
    root=14,
)

#: For each Human3.6M-17 joint, the MPI-INF-3DHP-17 joint that stands for it:
#: ``pose_h36m = pose_3dhp[..., MPI_INF_3DHP_TO_H36M, :]``. H36M thorax <-
#: 3DHP neck, H36M neck/nose <- 3DHP head, H36M head <- 3DHP head_top.
MPI_INF_3DHP_TO_H36M = (14, 8, 9, 10, 11, 12, 13, 15, 1, 16, 0, 5, 6, 7, 2, 3,
                        4)

#: MPI-INF-3DHP joints the official PCK / AUC leave out.
PCK_EXCLUDED_JOINTS = ('pelvis', 'spine', 'head')


def pck_joint_indices(joint_order: str = '3dhp') -> List[int]:
    """The 14 joints that MPI-INF-3DHP's PCK / AUC count (all but pelvis,
    spine and head), as indices in ``joint_order`` (``'3dhp'`` or
    ``'h36m'``)."""
    excluded = [MPI_INF_3DHP_SKELETON.joint_names.index(n)
                for n in PCK_EXCLUDED_JOINTS]
    keep = [j for j in range(MPI_INF_3DHP_SKELETON.num_joints)
            if j not in excluded]
    if joint_order == '3dhp':
        return keep
    if joint_order == 'h36m':
        return [i for i, j in enumerate(MPI_INF_3DHP_TO_H36M) if j in keep]
    raise ValueError(f"joint_order must be one of ['3dhp', 'h36m'], got "
                     f'{joint_order!r}.')
