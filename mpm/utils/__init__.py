from .flip import flip_keypoints
from .gaps import fill_gaps
from .skeleton import (H36M_32_TO_17, H36M_ACTIONS, H36M_SKELETON,
                       H36M_TEST_SUBJECTS, H36M_TRAIN_SUBJECTS, Skeleton,
                       action_name)

__all__ = [
    'flip_keypoints', 'fill_gaps',
    'Skeleton', 'H36M_SKELETON', 'H36M_32_TO_17', 'H36M_ACTIONS',
    'H36M_TRAIN_SUBJECTS', 'H36M_TEST_SUBJECTS', 'action_name'
]
