"""AutoMix, ResNet-50 on ImageNet-1k: the reference PyTorch-style recipe, 100 epochs.

Official values (docs/method.md §1.2, §2.1, §3, §4): α=2, stage-3 feature (mask_layer=2,
x16 mask), λ concatenated, nearest upsampling, L1 mask loss (margin 0.1), lam_margin
0.08; SGD(0.1, 0.9, wd 1e-4) on 4x64 images; backbone and heads cosine (by epoch) to 0,
the Mix Block in its own group (lr 0.1, momentum 0.9) cosine to 1e-3
(GroupCosineAnnealingLR reads the group's `min_lr`); m: 0.999 → 0.99999.

Deviation (named): η, the mask-loss weight, follows a true cosine 0.1 → 0 over the
iterations (MaskLossCosineHook). The official hook compounds its decay so that η is
< 1e-3 after ~2 epochs (docs/method.md §4.3); set `compound=True` on the hook to reproduce it.
300 epochs: --cfg-options train_cfg.max_epochs=300 (the cosine follows max_epochs)
"""
_base_ = [
    '../../_base_/models/automix/r50_imagenet.py',
    '../../_base_/datasets/imagenet_bs64.py',
    '../../_base_/schedules/imagenet_sgd_cos100e.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
]
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'mix_block': dict(lr=0.1, momentum=0.9, min_lr=1e-3)}))
param_scheduler = dict(type='GroupCosineAnnealingLR', eta_min=0.0)
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.99999, adjust_scope=(0.1, 1.0)),
    dict(type='MaskLossCosineHook', start=0.1, end=0.0, compound=False),
    dict(type='MixedSampleVisHook', interval=5000),
]
default_hooks = dict(checkpoint=dict(save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
