from .pose_encoder import PoseEncoder

__all__ = ['PoseEncoder']
