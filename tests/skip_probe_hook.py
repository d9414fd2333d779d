"""Test helper for the skip rule: NaN inputs for θ_q at chosen iterations, and, around
every iteration, a copy of everything a skipped step must leave as it was (every
parameter and buffer, the optimizer's state, the EMA step count) and of the model's
training state (where a skip is counted)."""
import copy

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpretrain.utils import get_ori_model

from mmautomix.models.step_state import STATE_FIELDS
from rank_state_hook import nan_inputs_for_online_model


def state_of(runner):
    """The weights and buffers, the optimizer's state, and the training state the model
    keeps in its state dict (``step_state``: counters, m, η), decoded on its own."""
    model = get_ori_model(runner.model)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    raw = weights.pop('step_state').cpu().numpy().tobytes()
    return dict(model=weights,
                optimizer=copy.deepcopy(runner.optim_wrapper.optimizer.state_dict()),
                ema_steps=model.ema_steps,
                training_state=dict(zip(STATE_FIELDS, np.frombuffer(raw, dtype='<f8'))))


@HOOKS.register_module()
class SkipProbeHook(Hook):
    priority = 'LOWEST'      # after the momentum hook's EMA update

    def __init__(self, nan_iters=()):
        self.nan_iters, self.handle, self.records = tuple(nan_iters), None, []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.before = state_of(runner)
        if runner.iter in self.nan_iters:
            self.handle = nan_inputs_for_online_model(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.handle is not None:
            self.handle.remove()
            self.handle = None
        self.records.append(dict(iter=runner.iter, batch=len(data_batch['inputs']),
                                 outputs={k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()},
                                 before=self.before, after=state_of(runner)))
