"""Cosine LR with a floor per parameter group (the Mix Block's own LR floor).

The reference ImageNet recipe anneals backbone and heads to 0 but the Mix Block only to
1e-3 (openmixup's ``addtional_scheduler``). mmengine's cosine takes one ``eta_min`` for all
groups; here a group that carries ``min_lr`` anneals to it instead. Groups get the key
from ``optim_wrapper.paramwise_cfg.custom_keys``, e.g.
``custom_keys={'mix_block': dict(lr=0.1, momentum=0.9, min_lr=1e-3)}`` (mmengine copies
every key of a custom_keys entry into the matching parameter groups).
"""
import math

from mmengine.optim.scheduler import CosineAnnealingLR

from mmautomix.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class GroupCosineAnnealingLR(CosineAnnealingLR):
    """``CosineAnnealingLR`` whose floor is ``group['min_lr']`` where a group has one."""

    def _floor(self, base, group):
        if 'min_lr' in group:
            return group['min_lr']
        return self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio

    def _get_value(self):
        groups = self.optimizer.param_groups
        name, t, period = self.param_name, self.last_step, self.T_max
        if t == 0:
            return [g[name] for g in groups]
        values = []
        for base, g in zip(self.base_values, groups):
            floor = self._floor(base, g)
            if (t - 1 - period) % (2 * period) == 0:
                values.append(g[name] + (base - floor) * (1 - math.cos(math.pi / period)) / 2)
            else:
                values.append((1 + math.cos(math.pi * t / period)) /
                              (1 + math.cos(math.pi * (t - 1) / period)) *
                              (g[name] - floor) + floor)
        return values
