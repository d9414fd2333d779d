"""Test helper for the 2-process DDP tests: each rank saves its parameters and its
per-iteration logs (and its buffers) to ``work_dir/rank{R}.pth`` at the end of training; optionally one
rank's θ_q sees NaN inputs at chosen iterations (a fault on one rank only)."""
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpretrain.utils import get_ori_model


def nan_inputs_for_online_model(runner):
    """θ_q sees NaN inputs until the returned handle is removed."""
    return get_ori_model(runner.model).backbone_q.register_forward_pre_hook(
        lambda module, args: (args[0] * float('nan'), ))


@HOOKS.register_module()
class RankStateHook(Hook):
    def __init__(self, nan_rank=None, nan_iters=()):
        self.logs, self.nan_rank, self.nan_iters, self.handle = [], nan_rank, nan_iters, None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if get_rank() == self.nan_rank and runner.iter in self.nan_iters:
            self.handle = nan_inputs_for_online_model(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self.handle is not None:
            self.handle.remove()
            self.handle = None
        log = {k: float(v) for k, v in outputs.items()}
        model = get_ori_model(runner.model)
        grad = model.backbone_q.conv1.weight.grad   # None or zero after an update
        log['grad_sum'] = None if grad is None else float(grad.double().sum())
        log['ema_steps'] = model.ema_steps
        self.logs.append(log)

    def after_train(self, runner):
        model = get_ori_model(runner.model)
        torch.save(dict(params={k: v.detach().clone() for k, v in model.named_parameters()},
                        buffers={k: v.clone() for k, v in model.named_buffers()},
                        logs=self.logs, ema_steps=model.ema_steps),
                   f'{runner.work_dir}/rank{get_rank()}.pth')
