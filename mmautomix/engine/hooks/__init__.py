from .mask_loss_hook import MaskLossCosineHook
from .mixed_sample_vis_hook import MixedSampleVisHook
from .momentum_hook import AutoMixMomentumHook, momentum_at
from .precise_bn_hook import AutoMixPreciseBNHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['AutoMixMomentumHook', 'AutoMixPreciseBNHook', 'MaskLossCosineHook',
           'MixedSampleVisHook', 'SafeCheckpointHook', 'momentum_at']
