"""Kinematic-chain masking: hide a joint together with all its descendants."""
from typing import Optional, Sequence

import torch

from mpm.models.maskers import BaseMasker, random_subset_mask
from mpm.registry import MASKERS
from mpm.utils import H36M_SKELETON


def descendant_table(parents: Sequence[int]) -> torch.Tensor:
    """(J, J) bool: ``table[j, k]`` is True iff ``k`` is ``j`` or below it.

    Args:
        parents: parent index of every joint, -1 for the root (e.g.
            Human3.6M-17 ``[-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8,
            14, 15]``). Any order of joints is allowed; the tree must be
            acyclic with exactly one root.
    """
    parents = [int(p) for p in parents]
    J = len(parents)
    if [p for p in parents if p < 0] != [-1] or any(p >= J for p in parents):
        raise ValueError(
            f'parents {parents} must name one root (-1) and otherwise '
            f'joints in 0..{J - 1}')
    table = torch.eye(J, dtype=torch.bool)
    for k in range(J):
        j, seen = parents[k], 0
        while j >= 0:  # walk up from k: every ancestor j has k below it
            table[j, k] = True
            j, seen = parents[j], seen + 1
            if seen > J:
                raise ValueError(f'parents {parents} contain a cycle')
    return table


@MASKERS.register_module()
class KinematicChainMasker(BaseMasker):
    """Hide ``num_chains`` joints per sample with all their descendants.

    For each sample, ``num_chains`` distinct *chain roots* are drawn
    uniformly from ``candidates``; every chain root and every joint below it
    in the kinematic tree is hidden in every frame (a tube, constant over
    time). Human3.6M-17 examples: the left elbow (12) hides the left wrist
    (13) too; the right hip (1) hides the whole right leg (1, 2, 3); the
    thorax (8) hides the neck, head and both arms (8-16). Chains that
    overlap hide their union.

    Vectorised: the chain roots are a uniformly random subset per sample
    (top-k of i.i.d. uniform noise, ``random_subset_mask``); the hidden joints
    are their rows of the descendant table, OR-ed with one matrix product.
    No loop over samples, frames or joints at call time.

    Args:
        num_chains: chain roots drawn per sample, 0..len(candidates).
        parents: parent of each joint (-1 = root); Human3.6M-17 by default.
        candidates: joints allowed as chain roots; default every joint but
            the tree's root (which would hide the whole body).

    Shapes: (B, T, J, C) -> (B, T, J) bool (True = hidden), J = len(parents).
    """

    def __init__(self, num_chains: int = 1,
                 parents: Optional[Sequence[int]] = None,
                 candidates: Optional[Sequence[int]] = None):
        super().__init__()
        parents = list(H36M_SKELETON.parents if parents is None else parents)
        table = descendant_table(parents)
        root = parents.index(-1)
        if candidates is None:
            candidates = [j for j in range(len(parents)) if j != root]
        candidates = [int(j) for j in candidates]
        if (not candidates or len(set(candidates)) != len(candidates)
                or min(candidates) < 0 or max(candidates) >= len(parents)):
            raise ValueError(
                'KinematicChainMasker: candidates must be distinct joint '
                f'indices in 0..{len(parents) - 1}, got {candidates}')
        if isinstance(num_chains, bool) or not isinstance(num_chains, int) \
                or not 0 <= num_chains <= len(candidates):
            raise ValueError(
                f'KinematicChainMasker: num_chains must be an int in '
                f'0..{len(candidates)} (the number of candidates), got '
                f'{num_chains!r}')
        self.num_chains = num_chains
        self.parents = parents
        self.candidates = candidates
        # (C, J): the joints each candidate chain hides. A buffer so that it
        # follows the module to the GPU; not saved in checkpoints.
        self.register_buffer('chains', table[candidates].float(),
                             persistent=False)

    def sample(self, batch_size, num_frames, num_joints, device):
        if num_joints != len(self.parents):
            raise ValueError(
                f'KinematicChainMasker was built for a skeleton of '
                f'{len(self.parents)} joints but the poses have {num_joints}; '
                'give `parents` of the data\'s skeleton')
        chosen = random_subset_mask((batch_size, ), len(self.candidates),
                                    self.num_chains, device)  # (B, C)
        hidden = chosen.float() @ self.chains.to(device) > 0  # (B, J)
        return hidden.unsqueeze(1).expand(-1, num_frames, -1).contiguous()

    def extra_repr(self) -> str:
        return f'num_chains={self.num_chains}, candidates={self.candidates}'
