"""The hook that drives θ_k's momentum schedule and update in a Runner.

The schedule, the update and the convention of m (the weight θ_k keeps) live in
``mmautomix/core/ema.py``. The clock is the optimizer update (``update_clock.py``):
before each iteration the hook sets the model's m = ``momentum_at(k, K, m_base, m_end,
scope)`` with k the updates applied so far and K those of the whole run; after an
iteration whose ``train_step`` stepped the optimizer (``model.update_applied``) it asks
the model for the update θ_k ← m·θ_k + (1−m)·θ_q — once per optimizer update, also with
gradient accumulation, and never after a skipped step.

This is not mmengine's ``EMAHook``: that keeps the average outside the model, swaps it
in for validation and copies buffers; AutoMix trains *through* θ_k every step.
"""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmautomix.core.ema import momentum_at
from mmautomix.models.step_state import keep_step_state_only_when_resuming
from mmautomix.registry import HOOKS
from mmautomix.utils.resume import is_resuming
from .update_clock import count_step_outside_the_model, total_updates, updates_done

__all__ = ['AutoMixMomentumHook']


@HOOKS.register_module()
class AutoMixMomentumHook(Hook):
    """Set m before each iteration and update θ_k after each applied optimizer update
    (none after a step the model skipped by the rule of ``core/skip.py``).

    Args:
        end_momentum (float): m_end. Reference: 0.999999 (CIFAR/Tiny-ImageNet),
            0.99999 (ImageNet-type data).
        adjust_scope (tuple): (start, end) of the cosine phase as fractions of training.
        update_interval (int, optional): n, checked to equal the optimizer wrapper's
            ``accumulative_counts`` (the EMA follows the optimizer updates; leave unset).
    """
    priority = 'NORMAL'

    def __init__(self,
                 end_momentum: float = 0.999999,
                 adjust_scope: Sequence[float] = (0.1, 1.0),
                 update_interval: Optional[int] = None):
        if not 0 < end_momentum <= 1:
            raise ValueError(f'AutoMixMomentumHook.end_momentum={end_momentum!r}: '
                             'expected a value in (0, 1]')
        if len(adjust_scope) != 2 or not 0 <= adjust_scope[0] <= adjust_scope[1]:
            raise ValueError(f'AutoMixMomentumHook.adjust_scope={adjust_scope!r}: '
                             'expected (start, end) with 0 <= start <= end')
        if update_interval is not None and update_interval < 1:
            raise ValueError(f'AutoMixMomentumHook.update_interval={update_interval!r}: '
                             'expected None or an int >= 1')
        self.end_momentum = end_momentum
        self.adjust_scope = tuple(adjust_scope)
        self.update_interval = update_interval

    def before_train(self, runner):
        model = get_ori_model(runner.model)
        if not hasattr(model, 'momentum_update'):
            raise TypeError(f'AutoMixMomentumHook needs a model with θ_k (type=\'AutoMix\'); '
                            f'got {type(model).__name__}')
        check_batch = getattr(model, 'check_train_batch', None)   # AdAutoMix's K
        if check_batch is not None:
            check_batch(getattr(runner.train_dataloader, 'batch_size', None))
        counts = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
        if self.update_interval not in (None, counts):
            raise ValueError(
                f'AutoMixMomentumHook.update_interval={self.update_interval} but '
                f'optim_wrapper.accumulative_counts={counts}: the EMA must follow the '
                'optimizer steps; expected equal values (or leave update_interval unset)')
        self.total_updates = total_updates(runner)

    def after_load_checkpoint(self, runner, checkpoint):
        """The model's counters and m travel in its state dict (``models/step_state.py``);
        a checkpoint loaded without resuming leaves them at their start. A checkpoint
        written before they did carries them in ``meta.automix``."""
        keep_step_state_only_when_resuming(runner, checkpoint)
        saved = checkpoint.get('meta', {}).get('automix')
        if saved and is_resuming(runner):
            model = get_ori_model(runner.model)
            for k, v in saved.items():
                setattr(model, k, v)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = get_ori_model(runner.model)
        model.momentum = momentum_at(updates_done(model), self.total_updates,
                                     model.base_momentum, self.end_momentum,
                                     self.adjust_scope)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = get_ori_model(runner.model)
        count_step_outside_the_model(model, runner.optim_wrapper)
        if not model.update_applied:   # a micro-batch of an accumulation, or skipped
            return
        model.momentum_update()
        runner.message_hub.update_scalar('train/ema_momentum', model.momentum)
