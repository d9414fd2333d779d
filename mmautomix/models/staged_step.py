"""The Runner's side of an AutoMix-family step: ``train_step`` with the staged backward,
the clock of applied optimizer updates and the skip rule.

A mixin of the registered models (``AutoMix`` and ``AdAutoMix``): they supply
``_branches`` (the core step's loss branches, one dict each), ``options``, ``skipper``
(``core/skip.py``), ``staged_backward`` and the Mix Block.

``staged_backward``: on a single process the step runs backward branch by branch and
frees each graph before the next forward; gradients add up to those of the summed loss,
and peak memory holds one branch's activations instead of three. Under DDP the summed
loss is used (one backward per forward is what DDP's reducer expects).
"""
import torch
from mmengine.optim import OptimWrapper

from mmautomix.core import StepSkipper, buffer_snapshot, has_loss
from .step_state import register_step_state


class StagedTrainStep:
    """``train_step`` of the AutoMix-family models (see the module docstring)."""

    def init_step_state(self, max_nonfinite: int) -> None:
        """The clock and the skip rule's state, set once by the model's constructor."""
        # the one clock (engine/hooks/update_clock.py): optimizer updates applied; every
        # schedule and interval counts them, not the Runner's (micro-batch) iterations
        self.applied_steps = 0
        self.update_applied = False   # whether this iteration's step updated θ_q
        self.step_counted = False     # this iteration's step went through train_step
        self.max_nonfinite = max_nonfinite
        self.skipper = StepSkipper(
            max_nonfinite, 'AutoMix',
            'Lower optim_wrapper.optimizer.lr or set optim_wrapper.clip_grad',
            'set train_dataloader.drop_last=True to drop such batches')
        self.nonfinite_decided_by_wrapper = False   # set by AutoMixDDP
        register_step_state(self)   # the counters, m and η travel in the state dict

    def loss(self, inputs: torch.Tensor, data_samples) -> dict:
        """All losses of one step in one dict (the path used under DDP)."""
        losses = {}
        for part in self._branches(inputs, data_samples):
            losses.update(part)
        if self.nonfinite_decided_by_wrapper:   # AutoMixDDP skips on all ranks together
            return losses
        bad = [k for k, v in losses.items() if k.startswith('loss') and not torch.isfinite(v)]
        if bad:
            raise FloatingPointError(f'AutoMix: non-finite {bad} in this step; refusing to '
                                     'train on it (lower optim_wrapper.optimizer.lr or '
                                     'enable gradient clipping: optim_wrapper.clip_grad)')
        return losses


    # the skip rule's counters (in the state dict: models/step_state.py)
    nonfinite_steps = property(lambda self: self.skipper.nonfinite_steps,
                               lambda self, v: setattr(self.skipper, 'nonfinite_steps', v))
    single_sample_batches = property(
        lambda self: self.skipper.single_sample_batches,
        lambda self, v: setattr(self.skipper, 'single_sample_batches', v))
    step_skipped = property(lambda self: self.skipper.step_skipped)

    def train_step(self, data, optim_wrapper: OptimWrapper):
        """One step; with ``staged_backward`` each branch is backpropagated and freed
        before the next branch's forward (same gradients as the summed loss).

        The losses are checked for non-finite values once, after the backward passes
        and before the optimizer step: one host-device synchronisation per step instead
        of one per branch, and a non-finite step is still never applied (the skip
        rule of ``core/skip.py``, on both paths)."""
        if len(data['inputs']) == 1:
            return self.skip_single_sample_batch(optim_wrapper)
        if self.options.weights.mix_k == 0:
            self._check_mix_block_frozen(optim_wrapper)
        restore_buffers = buffer_snapshot(self)   # used if the step turns out non-finite
        if self.staged_backward:
            log_vars, parts, all_losses = self._staged_backward(data, optim_wrapper)
            total = torch.stack(parts).sum()
        else:
            with optim_wrapper.optim_context(self):
                data = self.data_preprocessor(data, True)
                all_losses = {}
                for losses in self._branches(**data):
                    all_losses.update(losses)
            total, log_vars = self.parse_losses(all_losses)
        if not bool(torch.isfinite(total.detach())):
            return self.skip_nonfinite_step(optim_wrapper, all_losses, restore_buffers)
        if self.staged_backward:
            if optim_wrapper.should_update():
                optim_wrapper.step()
                optim_wrapper.zero_grad()
            log_vars['loss'] = total
        else:
            optim_wrapper.update_params(total)
        self.step_taken(optim_wrapper)
        return log_vars

    def step_taken(self, optim_wrapper: OptimWrapper) -> None:
        """Count a step that was not skipped: the clock advances when the wrapper stepped
        the optimizer on it (every ``accumulative_counts``-th backward)."""
        self.skipper.applied()
        self.update_applied = optim_wrapper.should_update()
        self.applied_steps += int(self.update_applied)
        self.step_counted = True

    def _staged_backward(self, data, optim_wrapper):
        """Forward and backward of the three branches, one after another (a branch a
        knob dropped has no loss and no backward; the last always has one)."""
        log_vars, parts, all_losses = {}, [], {}
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            for i, losses in enumerate(self._branches(**data)):
                all_losses.update(losses)
                if not has_loss(losses):
                    log_vars.update({k: v.detach() for k, v in losses.items()})
                    continue
                parsed, part_vars = self.parse_losses(losses)
                part_vars.pop('loss')
                log_vars.update(part_vars)
                parts.append(parsed.detach())
                if i < 2:
                    self._backward_only(optim_wrapper, parsed)
                else:   # the wrapper's own backward: counts the accumulation step
                    optim_wrapper.backward(optim_wrapper.scale_loss(parsed))
        return log_vars, parts, all_losses

    def _check_mix_block_frozen(self, optim_wrapper):
        """With ``head_weights.mix_k=0`` the Mix Block's classification loss is dropped:
        a non-zero learning rate for it is a mistake (it would never learn masks)."""
        ours = {id(p) for p in self.mix_block.parameters()}
        for group in optim_wrapper.param_groups:
            if group['lr'] and any(id(p) in ours for p in group['params']):
                raise ValueError(
                    f'model.head_weights.mix_k=0 while the Mix Block trains with lr='
                    f'{group["lr"]}: it would never train (its classification loss is '
                    'dropped); expected head_weights.mix_k > 0, or a zero Mix Block '
                    'learning rate (optim_wrapper.paramwise_cfg.custom_keys.mix_block.'
                    'lr_mult=0)')

    @staticmethod
    def _backward_only(optim_wrapper, loss):
        """Backward of one branch with the wrapper's loss scaling (accumulation, AMP),
        without counting it as an update step."""
        loss = optim_wrapper.scale_loss(loss)
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def skip_single_sample_batch(self, optim_wrapper):
        """A batch of one sample has no pair to mix: skipped (core/skip.py)."""
        self.update_applied, self.step_counted = False, True
        optim_wrapper.zero_grad()
        return self.skipper.single_sample_batch()

    def skip_nonfinite_step(self, optim_wrapper, losses, restore_buffers, where=''):
        """A step with a non-finite loss: skipped (core/skip.py)."""
        self.update_applied, self.step_counted = False, True
        optim_wrapper.zero_grad()
        return self.skipper.nonfinite(losses, restore_buffers, where)
