"""Test helper for test_automix_train.py: records θ_q's first conv weight after every
iteration and the momentum m each EMA update used (after AutoMixMomentumHook, which has
NORMAL priority), to ``work_dir/trajectory.pth``."""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpretrain.utils import get_ori_model


@HOOKS.register_module()
class TrajectoryHook(Hook):
    priority = 'LOW'

    def before_train(self, runner):
        model = get_ori_model(runner.model)
        self.rec = dict(q0=model.backbone_q.conv1.weight.detach().clone(),
                        k0=model.backbone.conv1.weight.detach().clone(),
                        q=[], m=[], ema_steps=[])

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = get_ori_model(runner.model)
        self.rec['q'].append(model.backbone_q.conv1.weight.detach().clone())
        self.rec['m'].append(model.momentum)
        self.rec['ema_steps'].append(model.ema_steps)

    def after_train(self, runner):
        torch.save(self.rec, f'{runner.work_dir}/trajectory.pth')
