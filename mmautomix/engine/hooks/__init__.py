from .mask_loss_hook import MaskLossCosineHook
from .mixed_sample_vis_hook import MixedSampleVisHook
from .momentum_hook import AutoMixMomentumHook
from .precise_bn_hook import AutoMixPreciseBNHook
from .progress_hook import ProgressHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['AutoMixMomentumHook', 'AutoMixPreciseBNHook', 'MaskLossCosineHook',
           'MixedSampleVisHook', 'ProgressHook', 'SafeCheckpointHook']
