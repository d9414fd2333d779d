"""ConvNeXt with a CIFAR stem (3x3 stride-1 conv instead of the 4x4 stride-4 patchify).

The reference's CIFAR-100 ConvNeXt-T recipe trains on 32 px images with this stem, so
the stages see 32, 16, 8 and 4 px maps; mmpretrain's ``ConvNeXt`` only offers a
patchify stem (``stem_patch_size``), so this one replaces its first conv.
"""
import torch.nn as nn
from mmpretrain.models.backbones import ConvNeXt

from mmautomix.registry import MODELS


@MODELS.register_module()
class ConvNeXt_CIFAR(ConvNeXt):  # noqa: N801 - mmpretrain's naming
    """``ConvNeXt`` (same arguments) whose stem conv is 3x3 with stride 1."""

    def __init__(self, *args, in_channels: int = 3, **kwargs):
        super().__init__(*args, in_channels=in_channels, **kwargs)
        self.downsample_layers[0][0] = nn.Conv2d(in_channels, self.channels[0],
                                                 kernel_size=3, stride=1, padding=1)
