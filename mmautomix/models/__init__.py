from .adaptive_mask import AdaptiveMask
from .adautomix import AdAutoMix
from .automix import AutoMix
from .automix_ddp import AutoMixDDP
from .convnext_cifar import ConvNeXt_CIFAR
from .data_preprocessor import GreyClsDataPreprocessor
from .losses import EtaBalancedSoftCrossEntropyLoss
from .mix_block import PixelMixBlock
from .mixups import FMix, GridMix, ManifoldMix, PuzzleMix, SaliencyMix, SmoothMix
from .resnext_cifar import ResNeXt_CIFAR

__all__ = ['AdAutoMix', 'AdaptiveMask', 'AutoMix', 'AutoMixDDP', 'ConvNeXt_CIFAR',
           'EtaBalancedSoftCrossEntropyLoss', 'GreyClsDataPreprocessor', 'PixelMixBlock',
           'ResNeXt_CIFAR',
           'FMix', 'GridMix', 'ManifoldMix', 'PuzzleMix', 'SaliencyMix', 'SmoothMix']
