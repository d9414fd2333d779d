"""AutoMix, DeiT-S on CIFAR-100 at 224 px: the reference's ViT recipe, 200 epochs.

Official values (docs/method.md §5.2, §6): the Mix Block reads the patch tokens of
transformer layer 5 (the sixth; 384 channels, 14x14 at 224 px, the class token dropped),
with the λ channel, L1 mask loss (margin 0.1) whose weight η is cosine-annealed 0.1 → 0
over the iterations; α=2, lam_margin=0.08; label smoothing 0.1 on both heads; AdamW
lr 5e-4 (Mix Block 1e-3), wd 0.05, gradient norm clipped at 10, 5 warm-up epochs, cosine
to 1e-4; m: 0.999 → 0.99996 from 25 % of training; batch 100 on one GPU.
Differences from the official config: no weight-decay exemption for the Mix Block's two
biases (mmengine applies a custom key's multipliers instead of the bias rule), and η
follows a plain cosine (the official hook compounds it; MaskLossCosineHook compound=True
reproduces that).
"""
_base_ = [
    '../../_base_/datasets/cifar100_bs100_randaug.py',
    '../../_base_/schedules/cifar_adamw_cos200e.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
    '../../_base_/models/automix/deit_small.py',
]
model = dict(head=dict(num_classes=100))
optim_wrapper = dict(optimizer=dict(lr=5e-4), clip_grad=dict(max_norm=10.0))
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.99996, adjust_scope=(0.25, 1.0)),
    dict(type='MaskLossCosineHook', start=0.1, end=0.0),
    dict(type='MixedSampleVisHook', interval=1000),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1,
                                     save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
