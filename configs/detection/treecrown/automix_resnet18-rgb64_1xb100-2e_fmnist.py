"""AutoMix pretraining for the tree-crown transfer demo (see resnet18-rgb64_1xb100-2e_fmnist.py).

The ImageNet AutoMix recipe's model (λ concatenated, stage-3 feature: 4x4 at 64 px,
x16 mask) on the same data and schedule as the vanilla run; m: 0.99 → 0.999 as in the
short Fashion-MNIST recipe. Its `backbone.*` is the EMA backbone.
"""
_base_ = ['./resnet18-rgb64_1xb100-2e_fmnist.py', '../../_base_/automix_runtime.py']
model = dict(
    type='mmautomix.AutoMix',
    mix_block=dict(type='PixelMixBlock', in_channels=256, reduction=2, use_scale=True,
                   unsampling_mode=['nearest'], lam_concat=True,
                   mask_loss_mode='L1', mask_loss_margin=0.1),
    alpha=2.0, momentum=0.99, mask_layer=2, mask_loss_weight=0.1, lam_margin=0.08)
param_scheduler = dict(eta_min=0.05)
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=100),
]
default_hooks = dict(checkpoint=dict(save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy', topk=(1, ))
test_evaluator = val_evaluator
