"""AdAutoMix, ResNet-18 (CIFAR stem) on Tiny-ImageNet (64 px).

AdAutoMix's CIFAR values with β=0.4 (the official Tiny-ImageNet value) on AutoMix's
Tiny-ImageNet recipe (SGD 0.2, batch 100, 400 epochs, cosine to 0.05, the mask generator's
floor 1e-3, m: 0.999 → 0.999999); 16x16 feature, x4 mask.
"""
_base_ = '../../automix/tiny_imagenet/automix_resnet18_1xb100-400e_tiny-imagenet.py'
model = dict(
    type='mmautomix.AdAutoMix',
    mix_block=dict(_delete_=True, type='AdaptiveMask', in_channels=256, reduction=2,
                   lam_concat=False, use_scale=True, unsampling_mode='bilinear'),
    alpha=1.0,
    mix_samples=3,
    adv_interval=2,
    beta_radio=0.4,
    mixup_radio=0.5,
    lam_margin=0.03,
    mask_loss_weight=0.0,
)
