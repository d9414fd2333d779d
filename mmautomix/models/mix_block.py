"""The Mix Block as a registered mmengine module (``type='PixelMixBlock'``, the official
name): :class:`mmautomix.core.MixBlock` with mmengine's ``init_cfg``; the math and its
documentation are in ``mmautomix/core/mix_block.py``."""
import copy
from typing import Optional, Sequence, Union

from mmengine.model import BaseModule

from mmautomix.core.mix_block import MixBlock
from mmautomix.registry import MODELS


@MODELS.register_module()
class PixelMixBlock(MixBlock, BaseModule):
    """:class:`mmautomix.core.MixBlock` (same arguments) plus ``init_cfg``. Its weights
    are initialised by ``init_weights()`` (the Runner calls it), normal(std=0.01) and
    zero biases unless ``init_cfg`` says otherwise."""
    init_at_construction = False

    def __init__(self,
                 in_channels: int,
                 reduction: int = 2,
                 use_scale: bool = True,
                 unsampling_mode: Union[str, Sequence[str]] = 'nearest',
                 lam_concat: bool = False,
                 mask_loss_mode: str = 'L1',
                 mask_loss_margin: float = 0.0,
                 init_cfg: Optional[dict] = None):
        super().__init__(in_channels, reduction=reduction, use_scale=use_scale,
                         unsampling_mode=unsampling_mode, lam_concat=lam_concat,
                         mask_loss_mode=mask_loss_mode, mask_loss_margin=mask_loss_margin)
        self.init_cfg = copy.deepcopy(init_cfg)

    def init_weights(self):
        if self.init_cfg is not None:
            return BaseModule.init_weights(self)
        self.reset_parameters()
