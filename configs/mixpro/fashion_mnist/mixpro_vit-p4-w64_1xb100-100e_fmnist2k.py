"""MixPro on the small ViT in the data-limited Fashion-MNIST regime (2,000 images, 100
epochs; docs/vit_mixups.md): the official values but the mask patch, which is one 4-px
token here (a 7 × 7 grid: 28 px admits no larger multiple of 4 that divides it)."""
_base_ = '../../mixups/fashion_mnist/vit-p4-w64_1xb100-100e_fmnist2k.py'
model = dict(
    type='mmautomix.MixPro',
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    mask_patch_size=4,
    maskmix_alpha=1.0,
    maskmix_prob=0.5,
    pal=True,
    label_smoothing=0.0,
    mixup_alpha=0.8,
    cutmix_alpha=1.0,
    switch_prob=0.5,
)
