"""The Mix Block as a registered mmengine module (``type='PixelMixBlock'``, the official
name): :class:`mmautomix.core.MixBlock` with mmengine's ``init_cfg``; the math and its
documentation are in ``mmautomix/core/mix_block.py``."""
import copy
from typing import Optional

from mmengine.model import BaseModule

from mmautomix.core.mix_block import MixBlock
from mmautomix.registry import MODELS


class CoreModuleAdapter:
    """What a core mask generator needs to be an mmengine module: ``init_cfg``, and
    weights initialised by ``init_weights()`` (the Runner calls it) with the core's
    ``reset_parameters`` unless ``init_cfg`` says otherwise. Bases: this mixin, the core
    class, then ``BaseModule``."""
    init_at_construction = False

    def __init__(self, *args, init_cfg: Optional[dict] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_cfg = copy.deepcopy(init_cfg)

    def init_weights(self):
        if self.init_cfg is not None:
            return BaseModule.init_weights(self)
        self.reset_parameters()


@MODELS.register_module()
class PixelMixBlock(CoreModuleAdapter, MixBlock, BaseModule):
    """:class:`mmautomix.core.MixBlock` (same arguments) plus ``init_cfg``; normal(std=0.01)
    weights and zero biases at ``init_weights()`` unless ``init_cfg`` says otherwise."""
