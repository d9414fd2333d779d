"""The one rule for a training step that is not taken, for every front-end.

A step is *skipped* when its batch holds a single sample (there is no pair to mix:
the last batch of an epoch whose size leaves a remainder of one) or when any of its
losses is non-finite (AutoMix never trains on a NaN or an infinity). A skipped step

 * updates no parameter: no optimizer step, the gradients it made are zeroed, the
   optimizer's state (momentum buffers, step counts) and a loss scaler stay as they
   were;
 * leaves every buffer as it was before the step: the BN running statistics its
   forward passes moved are put back (``buffer_snapshot``);
 * does not move θ_k: no EMA update, and the EMA step count is not advanced
   (``step_skipped`` tells the EMA's driver);
 * is counted (``single_sample_batches`` or ``nonfinite_steps``) and warned about;
   after ``max_nonfinite`` non-finite steps training stops with a ``FloatingPointError``
   naming the losses and ``hint``.

Under DDP the ranks decide together (``AutoMixDDP``): a step is skipped on every rank
when any rank has a one-sample batch or a non-finite loss.
"""
import warnings
from typing import Callable, Dict

import torch


def buffer_snapshot(module: torch.nn.Module) -> Callable[[], None]:
    """Copy every buffer (BN statistics) of ``module`` now; return a function that puts
    the copies back, for a step that is skipped after its forward passes."""
    buffers = list(module.buffers())
    saved = torch._foreach_add(buffers, 0) if buffers else []

    def restore():
        if buffers:
            torch._foreach_copy_(buffers, saved)
    return restore


def nonfinite_losses(losses: Dict[str, torch.Tensor]):
    """Names of the non-finite entries whose name starts with ``loss``."""
    return [k for k, v in losses.items() if k.startswith('loss') and not torch.isfinite(v)]


class StepSkipper:
    """Counts and reports skipped steps (see the module docstring).

    Args:
        max_nonfinite (int): non-finite steps after which training stops.
        who (str): the model's name in the messages. hint (str): the advice a stop
            gives (which keys to change).
        single_sample_hint (str): how to avoid one-sample batches.
    """

    def __init__(self, max_nonfinite: int, who: str, hint: str, single_sample_hint: str):
        if not isinstance(max_nonfinite, int) or max_nonfinite < 1:
            raise ValueError(f'max_nonfinite={max_nonfinite!r}: expected an int >= 1')
        self.max_nonfinite = max_nonfinite
        self.who, self.hint, self.single_sample_hint = who, hint, single_sample_hint
        self.nonfinite_steps = 0
        self.single_sample_batches = 0
        self.step_skipped = False

    def applied(self) -> None:
        """The step was taken (the EMA may follow it)."""
        self.step_skipped = False

    def single_sample_batch(self) -> dict:
        """Skip a one-sample batch (nothing has run yet); the log of the step."""
        self.step_skipped = True
        self.single_sample_batches += 1
        warnings.warn(f'{self.who}: a training batch of 1 sample has nothing to mix '
                      f'with; skipped ({self.single_sample_hint})')
        return {'skipped_single_sample_batches': float(self.single_sample_batches)}

    def nonfinite(self, losses: Dict[str, torch.Tensor], restore_buffers=None,
                  where: str = '') -> dict:
        """Skip a step whose losses are non-finite (here, or ``where`` says on which
        rank): put the buffers back, count, warn, or stop at ``max_nonfinite``; the log
        of the step. The caller zeroes the gradients and takes no optimizer step."""
        self.step_skipped = True
        if restore_buffers is not None:
            restore_buffers()
        self.nonfinite_steps += 1
        bad = nonfinite_losses(losses)
        msg = (f'{self.who}: non-finite loss {f"{bad} here" if bad else where}; step '
               f'skipped, no parameter updated ({self.nonfinite_steps}/'
               f'{self.max_nonfinite})')
        if self.nonfinite_steps >= self.max_nonfinite:
            raise FloatingPointError(f'{msg}. {self.hint}')
        warnings.warn(msg)
        return {'nonfinite_steps': float(self.nonfinite_steps)}
