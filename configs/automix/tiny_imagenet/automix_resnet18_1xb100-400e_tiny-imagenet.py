"""AutoMix, ResNet-18 (CIFAR stem) on Tiny-ImageNet (64 px): the reference recipe.

Official values (docs/method.md §4.1): SGD(0.2, 0.9, wd 1e-4), batch 100, 400 epochs, cosine
to 0.05 for backbone and heads and to 1e-3 for the Mix Block (lr 0.2 like the rest);
stage index 2 is 16x16 at 64 px, x4 mask; no λ channel; m: 0.999 → 0.999999;
constant η = 0.1.
"""
_base_ = [
    '../../_base_/models/automix/r18_cifar.py',
    '../../_base_/datasets/tiny_imagenet_bs100.py',
    '../../_base_/schedules/cifar_sgd_cos400e.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
]
model = dict(head=dict(num_classes=200))
optim_wrapper = dict(
    optimizer=dict(lr=0.2),
    paramwise_cfg=dict(custom_keys={'mix_block': dict(min_lr=1e-3)}))
param_scheduler = dict(type='GroupCosineAnnealingLR', eta_min=0.05)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1,
                                     save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
