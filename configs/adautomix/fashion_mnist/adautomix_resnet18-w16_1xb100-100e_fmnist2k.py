"""AdAutoMix (the official CIFAR setting) in the data-limited Fashion-MNIST regime (2,000 training images, 100 epochs).

`configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-100e_fmnist2k.py` (the LR floor
0.05, the EMA momentum 0.99 → 0.999, the regime's images, schedule and seeds) with
AdAutoMix's CIFAR values: three sources, α=1, β=0.3 on every second step, r=0.5, margin
0.03, the mask generator on the 64-channel stage (bilinear, x4, no λ channel), no mask
loss. θ_k is the reported model (`accuracy_ema/top1`).
"""
_base_ = '../../automix/fashion_mnist/automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(
    type='mmautomix.AdAutoMix',
    mix_block=dict(_delete_=True, type='AdaptiveMask', in_channels=64, reduction=2,
                   lam_concat=False, use_scale=True, unsampling_mode='bilinear'),
    alpha=1.0,
    mix_samples=3,
    adv_interval=2,
    beta_radio=0.3,
    mixup_radio=0.5,
    lam_margin=0.03,
    mask_loss_weight=0.0,
)
