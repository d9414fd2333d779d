"""ResNeXt with the CIFAR stem (3x3 stride-1 conv, no max-pool).

The reference's CIFAR tables include ResNeXt-50 (32x4d) on 32 px images with the same
stem as mmpretrain's ``ResNet_CIFAR``; mmpretrain has no such ResNeXt, so this one takes
ResNeXt's blocks and ResNet_CIFAR's stem and forward.
"""
from mmpretrain.models.backbones import ResNet_CIFAR, ResNeXt

from mmautomix.registry import MODELS


@MODELS.register_module()
class ResNeXt_CIFAR(ResNeXt):  # noqa: N801 - mmpretrain's naming
    """ResNeXt (groups, width_per_group as in ``ResNeXt``) with the CIFAR stem."""

    _make_stem_layer = ResNet_CIFAR._make_stem_layer
    forward = ResNet_CIFAR.forward
