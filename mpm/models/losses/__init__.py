from .mpjpe_loss import MPJPELoss

__all__ = ['MPJPELoss']
