"""AutoMix, ResNet-18 (CIFAR stem) on CIFAR10: the reference recipe, 400 epochs.

Official values (docs/method.md §1.2, §2.1, §3, §4.1): α=2, mask_layer=2, nearest
upsampling, no λ channel, L1 mask loss with margin 0.1 and constant weight η=0.1,
lam_margin=0.08, SGD(0.1, 0.9, wd 1e-4) for every group including the Mix Block,
cosine by epoch to 0.05 ("for the momentum encoder"), m: 0.999 → 0.999999,
batch 100 on one GPU. 200/800/1200 epochs: --cfg-options train_cfg.max_epochs=N
(the cosine follows max_epochs).
"""
_base_ = [
    '../../_base_/models/automix/r18_cifar.py',
    '../../_base_/datasets/cifar10_bs100.py',
    '../../_base_/schedules/cifar_sgd_cos400e.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
]
model = dict(head=dict(num_classes=10))
param_scheduler = dict(eta_min=0.05)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1,
                                     save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
