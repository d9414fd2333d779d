"""AdAutoMix's mask generator as a registered mmengine module (``type='AdaptiveMask'``,
the official name): :class:`mmautomix.core.AdaptiveMask` with ``init_cfg``; the math is in
``mmautomix/core/adaptive_mask.py``."""
from mmengine.model import BaseModule

from mmautomix.core.adaptive_mask import AdaptiveMask as _AdaptiveMask
from mmautomix.registry import MODELS
from .mix_block import CoreModuleAdapter


@MODELS.register_module()
class AdaptiveMask(CoreModuleAdapter, _AdaptiveMask, BaseModule):
    """:class:`mmautomix.core.AdaptiveMask` (same arguments; the official ``in_channel``
    is accepted as ``in_channels``) plus ``init_cfg``; normal(std=0.01) weights and zero
    biases at ``init_weights()`` unless ``init_cfg`` says otherwise."""

    def __init__(self, *args, **kwargs):
        if 'in_channel' in kwargs:
            if 'in_channels' in kwargs:
                raise ValueError('mix_block: give in_channels or the official in_channel, '
                                 'not both')
            kwargs['in_channels'] = kwargs.pop('in_channel')
        super().__init__(*args, **kwargs)
