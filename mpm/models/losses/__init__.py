from .info_nce import InfoNCELoss
from .mpjpe_loss import MPJPELoss

__all__ = ['MPJPELoss', 'InfoNCELoss']
