"""Test helper for test_checkpoint_safety.py: from the second checkpoint on, pad each
checkpoint with 500 MB so that writing it takes long enough to kill the process mid-write."""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class CheckpointPaddingHook(Hook):
    def before_save_checkpoint(self, runner, checkpoint):
        if checkpoint['meta']['epoch'] >= 2:
            checkpoint['padding'] = torch.ones(125_000_000)
            print('PADDED CHECKPOINT', flush=True)


@HOOKS.register_module()
class EpochMetricHook(Hook):
    """Adds `epoch_count` (the epoch just trained) to the validation metrics before the
    checkpoint hook reads them, so `save_best='epoch_count'` saves a new best every
    epoch."""
    priority = 'VERY_HIGH'

    def after_val_epoch(self, runner, metrics=None):
        if metrics is not None:
            metrics['epoch_count'] = runner.epoch
