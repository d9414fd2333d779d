"""Schedule of η, the weight of the Mix Block's mask loss (docs/method.md §4.3).

The official ImageNet-type configs anneal η with ``CustomCosineAnnealingHook`` from 0.1
to 0, but each iteration multiplies the *current* value by ½(1 + cos(πt/T)), so the
factors compound and η is below 1e-3 after about two epochs of a 100-epoch run. The
stated intent is a plain cosine, which is our default (``compound=False``):

    η_t = η_end + (η_0 − η_end)·½(1 + cos(π t / T))

with t and T in optimizer updates (``update_clock.py``: iterations unless gradients
are accumulated); η changes once per update, also in the compounding mode.

``compound=True`` reproduces the official behaviour number for number.
"""
import math

from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmautomix.models.step_state import keep_step_state_only_when_resuming
from mmautomix.registry import HOOKS
from mmautomix.utils.resume import is_resuming
from .update_clock import total_updates, updates_done


@HOOKS.register_module()
class MaskLossCosineHook(Hook):
    """Cosine-anneal ``model.mask_loss_weight`` (η) over the optimizer updates of training.

    Args:
        start (float): η_0. Reference: 0.1.
        end (float): η_end. Reference: 0.
        compound (bool): reproduce the official compounding decay (see above).
    """
    priority = 'NORMAL'

    def __init__(self, start: float = 0.1, end: float = 0.0, compound: bool = False):
        if start < 0 or end < 0:
            raise ValueError(f'MaskLossCosineHook: start={start!r}, end={end!r}; '
                             'expected weights >= 0')
        self.start, self.end, self.compound = start, end, compound

    def value_at(self, t: int, total: int, current: float) -> float:
        factor = (1 + math.cos(math.pi * t / total)) / 2
        if self.compound:
            return self.end + (current - self.end) * factor
        return self.end + (self.start - self.end) * factor

    def after_load_checkpoint(self, runner, checkpoint):
        """η travels in the model's state dict (``models/step_state.py``): the
        compounding schedule continues from it on a resume. A checkpoint written before
        it did carries η in ``meta.mask_loss_weight``."""
        keep_step_state_only_when_resuming(runner, checkpoint)
        saved = checkpoint.get('meta', {}).get('mask_loss_weight')
        if saved is not None and is_resuming(runner):
            get_ori_model(runner.model).mask_loss_weight = saved

    def before_train(self, runner):
        model = get_ori_model(runner.model)
        if not hasattr(model, 'applied_steps'):
            raise TypeError('MaskLossCosineHook schedules the mask-loss weight of an '
                            "AutoMix-type model (model.type='AutoMix'); got "
                            f'{type(model).__name__}')
        if runner.iter == 0:
            model.mask_loss_weight = self.start
        self.total_updates = total_updates(runner)
        self._last_update = None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = get_ori_model(runner.model)
        t = updates_done(model)
        if t != self._last_update:    # once per optimizer update
            self._last_update = t
            model.mask_loss_weight = self.value_at(t, self.total_updates,
                                                   model.mask_loss_weight)
        runner.message_hub.update_scalar('train/mask_loss_weight', model.mask_loss_weight)
