"""AdAutoMix, ResNet-50 on ImageNet-1k: the official AdAutoMix recipe, 100 epochs.

Official values (docs/successors.md §2.4): two source images (the AutoMix pairing), α=1,
β=0.1 on every second step, the mask generator with the λ channel on stage index 2
(1024 ch, nearest, x16), no mask loss; AutoMix's ImageNet optimizer and momentum
schedule (SGD 0.1 on 4x64, cosine to 0, the mask generator's group to 1e-3,
m: 0.999 → 0.99999), without AutoMix's mask-loss hook.
"""
_base_ = '../../automix/imagenet/automix_resnet50_4xb64-100e_in1k.py'
model = dict(
    type='mmautomix.AdAutoMix',
    mix_block=dict(_delete_=True, type='AdaptiveMask', in_channels=1024, reduction=2,
                   lam_concat=True, use_scale=True, unsampling_mode='nearest'),
    alpha=1.0,
    mix_samples=2,
    adv_interval=2,
    beta_radio=0.1,
    mixup_radio=0.5,
    lam_margin=0.03,
    mask_loss_weight=0.0,
)
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.99999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=5000),
]
