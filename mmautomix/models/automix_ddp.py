"""AutoMix under DDP: the ranks skip a step together (the skip rule of ``core/skip.py``).

With mmengine's ``MMDistributedDataParallel`` a rank whose loss is non-finite can only
raise on its own; the others then wait in the next gradient all-reduce until the
collective timeout (a 30-minute hang under Slurm). ``AutoMixDDP`` decides on all ranks
together:

 * before the forward, one all-reduce of "this rank's batch has at least two
   samples": a one-sample batch on any rank skips the step on every rank (no rank
   runs a forward, so DDP's reducer waits for nothing);
 * after the forward, one all-reduce of "this rank's loss is finite". When every rank
   is finite the step is DDP's (``optim_wrapper.update_params``). Otherwise every rank
   backpropagates zero (so DDP's reducer finishes its round), applies no update,
   restores its buffers and counts and warns through the model's skip rule; after
   ``model.max_nonfinite`` such steps every rank raises the same
   ``FloatingPointError`` at the same step.

Used by default in AutoMix configs (``model_wrapper_cfg``); ignored without DDP.
"""
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel

from mmautomix.core import buffer_snapshot
from mmautomix.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class AutoMixDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` whose step is skipped on all ranks together when the
    loss of any rank is non-finite."""

    def __init__(self, module, **kwargs):
        super().__init__(module=module, **kwargs)
        if not hasattr(module, 'max_nonfinite'):
            raise TypeError(f'model_wrapper_cfg.type=AutoMixDDP wraps an AutoMix model; got '
                            f'{type(module).__name__} (use MMDistributedDataParallel)')
        module.nonfinite_decided_by_wrapper = True

    def _all_ranks(self, flag: bool) -> bool:
        """Whether ``flag`` holds on every rank (one all-reduce of one number)."""
        value = torch.tensor([1.0 if flag else 0.0], device=self._flag_device())
        dist.all_reduce(value, op=dist.ReduceOp.MIN)
        return bool(value.item())

    def _flag_device(self):
        param = next(self.module.parameters(), None)
        return param.device if param is not None else torch.device('cpu')

    def train_step(self, data, optim_wrapper):
        module = self.module
        if not self._all_ranks(len(data['inputs']) > 1):
            return module.skip_single_sample_batch(optim_wrapper)
        restore_buffers = buffer_snapshot(module)
        with optim_wrapper.optim_context(self):
            data = module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = module.parse_losses(losses)
        if self._all_ranks(bool(torch.isfinite(parsed.detach()))):
            optim_wrapper.update_params(parsed)
            module.step_taken(optim_wrapper)
            return log_vars
        (parsed * 0).backward()          # DDP's reducer expects one backward per forward
        return module.skip_nonfinite_step(optim_wrapper, losses, restore_buffers,
                                          where='on at least one rank')
