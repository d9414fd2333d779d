"""BN statistics from clean images before each evaluation, for θ_q (and θ_k).

Each AutoMix step updates the online model θ_q's BN running statistics twice, on the
clean batch x and on the mixed batch x_bb, while its weights move at the full LR; its
running statistics then fit neither, and its evaluated top-1 swings from epoch to epoch
(65 / 40 / 80 / 54 % on the Fashion-MNIST demo) although its weights are as good as
θ_k's (86 % with re-estimated statistics: docs/benchmarks/bn_statistics.md).

``AutoMixPreciseBNHook`` is mmpretrain's ``PreciseBNHook`` aimed at AutoMix's two
encoders: after every ``interval`` training epochs it re-estimates the running mean and
variance of the BN layers of ``encoders`` (default θ_q; add ``'backbone'`` for θ_k) as
the average over ``num_samples`` clean training images (mmpretrain's
``update_bn_stats``: momentum 1 per batch, averaged). Training itself is unchanged —
training-mode BN normalises with batch statistics, θ_k's EMA moves parameters only, and
the clean images are drawn with every random generator's state preserved (the
augmentations they go through draw nothing from the training run's stream) — so the
hook changes what is evaluated and saved, not what is learned: a run with it trains
bit for bit as one without. Not part of the
official method: an opt-in remedy (configs ``*-precisebn_*``).
"""
from typing import Sequence

import torch
from mmengine.runner import Runner
from mmpretrain.engine.hooks import PreciseBNHook
from mmpretrain.engine.hooks.precise_bn_hook import update_bn_stats
from torch import nn
from mmpretrain.utils import get_ori_model

from mmautomix.registry import HOOKS
from mmautomix.utils.rng import rng_preserved


class _CleanForward(nn.Module):
    """The named encoders of an AutoMix model, run on clean inputs (for update_bn_stats)."""

    def __init__(self, model: nn.Module, encoders: Sequence[str]):
        super().__init__()
        self.encoders = nn.ModuleList(getattr(model, name) for name in encoders)
        self.data_preprocessor = model.data_preprocessor

    @torch.no_grad()
    def forward(self, inputs, data_samples=None, mode=None):
        for encoder in self.encoders:
            encoder(inputs)


def reestimate_bn_statistics(model: nn.Module, loader, num_samples: int,
                             encoders: Sequence[str] = ('backbone_q', ), logger=None):
    """Set the BN running statistics of ``model``'s ``encoders`` to the average of the
    batch statistics of ``num_samples`` images of ``loader`` (clean: no mixing)."""
    if num_samples < loader.batch_size:
        raise ValueError(f'AutoMixPreciseBNHook.num_samples={num_samples}: expected at '
                         f'least one batch (train_dataloader.batch_size={loader.batch_size})')
    clean = _CleanForward(model, encoders).train()
    update_bn_stats(clean, loader, num_samples, logger=logger)


@HOOKS.register_module()
class AutoMixPreciseBNHook(PreciseBNHook):
    """Re-estimate the BN statistics of AutoMix's ``encoders`` on clean training images.

    Args:
        num_samples: clean training images to average over (rounded down to batches).
        interval: every this many epochs (iterations for an iteration-based loop).
        encoders: attribute names of the encoders: 'backbone_q' (θ_q), 'backbone' (θ_k).
    """

    def __init__(self, num_samples: int = 8192, interval: int = 1,
                 encoders: Sequence[str] = ('backbone_q', )):
        super().__init__(num_samples=num_samples, interval=interval)
        allowed = ('backbone_q', 'backbone')
        if not encoders or any(e not in allowed for e in encoders):
            raise ValueError(f'AutoMixPreciseBNHook.encoders={encoders!r}: expected a '
                             f'non-empty subset of {allowed}')
        self.encoders = tuple(encoders)

    def _perform_precise_bn(self, runner: Runner) -> None:
        model = get_ori_model(runner.model)
        if not hasattr(model, 'backbone_q'):
            raise TypeError('AutoMixPreciseBNHook needs an AutoMix model (θ_q in '
                            f'`backbone_q`); got {type(model).__name__}. For other '
                            'classifiers use mmpretrain\'s PreciseBNHook')
        with rng_preserved():
            reestimate_bn_statistics(model, runner.train_loop.dataloader,
                                     self.num_samples, self.encoders, logger=runner.logger)
