"""AdAutoMix, ResNet-18 (CIFAR stem) on CIFAR100: the official AdAutoMix recipe, 400 epochs.

Official values (docs/successors.md §2): three source images per mixed image, α=1, the
adversarial Mix Block objective on every second step (β=0.3), the linear three-image
mixup weighted r=0.5 in θ_q's clean branch, margin 0.03, the adaptive mask generator on
stage index 2 (256 ch, no λ channel, bilinear, x4), no mask loss; SGD(0.1, 0.9, wd 1e-4)
cosine to 0.05, m: 0.999 → 0.999999, batch 100 — AutoMix's CIFAR recipe otherwise.
"""
_base_ = '../../automix/cifar100/automix_resnet18_1xb100-400e_cifar100.py'
model = dict(
    type='mmautomix.AdAutoMix',
    mix_block=dict(_delete_=True, type='AdaptiveMask', in_channels=256, reduction=2,
                   lam_concat=False, use_scale=True, unsampling_mode='bilinear'),
    alpha=1.0,
    mix_samples=3,
    is_random=False,
    adv_interval=2,
    beta_radio=0.3,
    mixup_radio=0.5,
    lam_margin=0.03,
    mask_loss_weight=0.0,
)
