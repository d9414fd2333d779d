"""Test helper for the 2-process DDP test: each rank saves its parameters and its
per-iteration losses to ``work_dir/rank{R}.pth`` at the end of training."""
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankStateHook(Hook):
    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss']))

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        torch.save(dict(params={k: v.detach().clone() for k, v in model.named_parameters()},
                        losses=self.losses, ema_steps=model.ema_steps),
                   f'{runner.work_dir}/rank{get_rank()}.pth')
