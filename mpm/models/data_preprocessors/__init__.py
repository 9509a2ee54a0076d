from .pose_data_preprocessor import PoseDataPreprocessor

__all__ = ['PoseDataPreprocessor']
