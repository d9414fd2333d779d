from .automix import AutoMix
from .mix_block import PixelMixBlock
from .resnext_cifar import ResNeXt_CIFAR

__all__ = ['AutoMix', 'PixelMixBlock', 'ResNeXt_CIFAR']
