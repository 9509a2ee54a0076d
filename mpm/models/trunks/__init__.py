from .pose_trunk import PoseTrunk
from .spatial_mlp import SpatialMLP
from .temporal_transformer import TemporalTransformer

__all__ = ['SpatialMLP', 'TemporalTransformer', 'PoseTrunk']
