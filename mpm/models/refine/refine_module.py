"""The pose refinement of Cai et al. (ICCV 2019), as used by P-STMO.

"Exploiting spatial-temporal relationships for 3D pose estimation via graph
convolutional networks", Sec. 3.4 ("pose refinement"): the lifted pose is
made consistent with the 2D input by back-projecting the 2D keypoints to the
depths the lifted pose gives them and fusing the two poses with learned
weights. Written from that description (the paper's formulation, not any
code).
"""
import torch
from torch import nn

from .geometry import back_project

__all__ = ['RefineModule']


class RefineModule(nn.Module):
    """Fuse a lifted pose with the back-projection of its 2D keypoints.

    For joint ``j`` with lifted root-relative position ``p_j = (x, y, z)``,
    2D ray ``(a_j, b_j)`` and root depth ``Z``:

    1. depth ``d_j = Z + z_j`` (clamped to ``min_depth``);
    2. back-projection ``q_j = (a_j d_j, b_j d_j, d_j)``, made root-relative
       ``q_j - q_root`` (the lifted pose's root is taken to lie on the root
       keypoint's ray at depth ``Z``, so both poses share the root);
    3. weights ``w = sigmoid(MLP([rays, p, q - q_root]))``, (J, 2);
    4. refined ``(x, y) = w (x, y)_p + (1 - w) (x, y)_q``, ``z = z_p``
       (the back-projection carries no depth information of its own), then
       root-relative again.

    ``Z`` is the ground-truth root depth in the paper protocol, an estimate
    (:func:`~mpm.models.refine.geometry.estimate_root_depth`) in the honest
    mode; the module does not care which.

    Args:
        num_joints: J.
        hidden_dim: width of the weight MLP.
        num_layers: hidden layers of the weight MLP (>= 1).
        dropout: dropout after each hidden layer.
        init_lift_weight: initial weight ``w`` of the lifted pose (the last
            layer starts at zero with this sigmoid bias), in (0, 1).
        root_index: root joint.
        min_depth: lower clamp of joint depths, metres.

    Shapes of ``forward``: ``pose`` (B, J, 3) root-relative metres,
    ``rays`` (B, J, 2) undistorted normalised image coordinates of the 2D
    keypoints (:func:`~mpm.models.refine.geometry.pixels_to_rays`),
    ``root_depth`` (B,) metres. Returns (B, J, 3) root-relative metres (and
    the weights (B, J, 2) with ``return_weights=True``).
    """

    def __init__(self, num_joints: int = 17, hidden_dim: int = 256,
                 num_layers: int = 2, dropout: float = 0.0,
                 init_lift_weight: float = 0.5, root_index: int = 0,
                 min_depth: float = 0.1):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}.')
        if not 0 < init_lift_weight < 1:
            raise ValueError('init_lift_weight must be in (0, 1), got '
                             f'{init_lift_weight}.')
        if not 0 <= root_index < num_joints:
            raise ValueError(f'root_index {root_index} out of range for '
                             f'{num_joints} joints.')
        self.num_joints = num_joints
        self.root_index = root_index
        self.min_depth = min_depth
        layers, width = [], num_joints * (2 + 3 + 3)
        for _ in range(num_layers):
            layers += [nn.Linear(width, hidden_dim), nn.ReLU(inplace=True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = hidden_dim
        self.mlp = nn.Sequential(*layers)
        self.out = nn.Linear(width, num_joints * 2)
        self.init_lift_weight = init_lift_weight
        self.reset_output()

    def reset_output(self) -> None:
        """Zero the output layer, bias ``logit(init_lift_weight)``."""
        nn.init.zeros_(self.out.weight)
        p = torch.tensor(self.init_lift_weight, dtype=torch.float64)
        nn.init.constant_(self.out.bias, float(torch.log(p / (1 - p))))

    def back_projection(self, pose: torch.Tensor, rays: torch.Tensor,
                        root_depth: torch.Tensor) -> torch.Tensor:
        """Root-relative back-projected pose (B, J, 3) metres (steps 1-2)."""
        depth = (root_depth.to(pose.dtype).unsqueeze(-1) +
                 pose[..., 2]).clamp(min=self.min_depth)
        points = back_project(rays.to(pose.dtype), depth)
        return points - points[..., self.root_index:self.root_index + 1, :]

    def forward(self, pose: torch.Tensor, rays: torch.Tensor,
                root_depth: torch.Tensor, return_weights: bool = False):
        B, J = pose.shape[0], self.num_joints
        if pose.shape[1:] != (J, 3) or rays.shape != (B, J, 2):
            raise ValueError(
                f'RefineModule: expected pose (B, {J}, 3) and rays '
                f'(B, {J}, 2); got {tuple(pose.shape)} and '
                f'{tuple(rays.shape)}.')
        if root_depth.shape != (B, ):
            raise ValueError(f'RefineModule: root_depth must be (B,) = '
                             f'({B},) metres; got {tuple(root_depth.shape)}.')
        root = self.root_index
        pose = pose - pose[:, root:root + 1]
        back = self.back_projection(pose, rays, root_depth)
        features = torch.cat([rays.reshape(B, -1).to(pose.dtype),
                              pose.reshape(B, -1), back.reshape(B, -1)], -1)
        weights = torch.sigmoid(self.out(self.mlp(features))).view(B, J, 2)
        xy = weights * pose[..., :2] + (1 - weights) * back[..., :2]
        refined = torch.cat([xy, pose[..., 2:]], dim=-1)
        refined = refined - refined[:, root:root + 1]
        return (refined, weights) if return_weights else refined

    def extra_repr(self) -> str:
        return (f'num_joints={self.num_joints}, root_index={self.root_index}, '
                f'min_depth={self.min_depth}')
