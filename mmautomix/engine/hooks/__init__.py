from .mask_loss_hook import MaskLossCosineHook
from .mixed_sample_vis_hook import MixedSampleVisHook
from .momentum_hook import AutoMixMomentumHook, momentum_at

__all__ = ['AutoMixMomentumHook', 'MaskLossCosineHook', 'MixedSampleVisHook', 'momentum_at']
