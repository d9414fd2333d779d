"""AutoMix, ResNet-18 from torchvision ImageNet weights, fine-tuned on CUB-200-2011.

Official values (docs/method.md §4.1, §1.2): SGD(0.001, 0.9, wd 5e-4), batch 16, 200 epochs,
cosine to 0; the Mix Block lr 0.01, momentum 0.9, cosine to 5e-4; λ concatenated;
stage-3 (256 ch, 14x14, x16); mix_shuffle_no_repeat; m: 0.999 → 0.99999; η cosine from
0.1 (true cosine, see the ImageNet recipe).
"""
_base_ = [
    '../../_base_/models/automix/r50_imagenet.py',
    '../../_base_/datasets/cub_bs16.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
]
model = dict(
    backbone=dict(depth=18, init_cfg=dict(type='Pretrained',
                                          checkpoint='torchvision://resnet18')),
    head=dict(num_classes=200, in_channels=512),
    mix_block=dict(in_channels=256),
    mix_shuffle_no_repeat=True,
)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={
        'mix_block': dict(lr=0.01, momentum=0.9, min_lr=5e-4)}))
param_scheduler = dict(type='GroupCosineAnnealingLR', by_epoch=True, eta_min=0.0)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.99999, adjust_scope=(0.1, 1.0)),
    dict(type='MaskLossCosineHook', start=0.1, end=0.0, compound=False),
    dict(type='MixedSampleVisHook', interval=2000),
]
default_hooks = dict(checkpoint=dict(save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
