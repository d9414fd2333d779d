"""AutoMix under DDP: a non-finite loss on any rank skips the step on every rank.

With mmengine's ``MMDistributedDataParallel`` a rank whose loss is non-finite can only
raise on its own; the others then wait in the next gradient all-reduce until the
collective timeout (a 30-minute hang under Slurm). ``AutoMixDDP`` decides on all ranks
together: one all-reduce of a "finite" flag per step, after the forward. When every
rank is finite the step is DDP's (``optim_wrapper.update_params``). Otherwise every rank
backpropagates zero (so DDP's reducer finishes its round), applies no update, restores
its BN statistics, counts the skipped step and warns; after ``model.max_nonfinite``
skipped steps every rank raises the same ``FloatingPointError`` at the same step.

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

    def train_step(self, data, optim_wrapper):
        module = self.module
        restore_buffers = buffer_snapshot(module)
        with optim_wrapper.optim_context(self):
            data = module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = module.parse_losses(losses)
        finite = torch.isfinite(parsed.detach()).float().reshape(1)
        dist.all_reduce(finite, op=dist.ReduceOp.MIN)
        if bool(finite.item()):
            optim_wrapper.update_params(parsed)
            return log_vars
        (parsed * 0).backward()          # DDP's reducer expects one backward per forward
        optim_wrapper.zero_grad()
        restore_buffers()
        return module._skip_step(optim_wrapper, losses, where='on at least one rank')
