"""AdAutoMix's mask generator as a registered mmengine module (``type='AdaptiveMask'``,
the official name): :class:`mmautomix.core.AdaptiveMask` with ``init_cfg``; the math is in
``mmautomix/core/adaptive_mask.py``."""
import copy
from typing import Optional

from mmengine.model import BaseModule

from mmautomix.core.adaptive_mask import AdaptiveMask as _AdaptiveMask
from mmautomix.registry import MODELS


@MODELS.register_module()
class AdaptiveMask(_AdaptiveMask, BaseModule):
    """:class:`mmautomix.core.AdaptiveMask` (same arguments; the official ``in_channel``
    is accepted as ``in_channels``) plus ``init_cfg``; normal(std=0.01) weights and zero
    biases at ``init_weights()`` unless ``init_cfg`` says otherwise."""
    init_at_construction = False

    def __init__(self, *args, init_cfg: Optional[dict] = None, **kwargs):
        if 'in_channel' in kwargs:
            if 'in_channels' in kwargs:
                raise ValueError('mix_block: give in_channels or the official in_channel, '
                                 'not both')
            kwargs['in_channels'] = kwargs.pop('in_channel')
        super().__init__(*args, **kwargs)
        self.init_cfg = copy.deepcopy(init_cfg)

    def init_weights(self):
        if self.init_cfg is not None:
            return BaseModule.init_weights(self)
        self.reset_parameters()
