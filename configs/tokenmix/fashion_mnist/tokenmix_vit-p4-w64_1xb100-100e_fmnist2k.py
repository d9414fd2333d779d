"""TokenMix (teacher-free) on the small ViT in the data-limited Fashion-MNIST regime (2,000
images, 100 epochs; docs/vit_mixups.md): the official values but the extra masked
tokens, scaled with the grid (3 of 49 tokens, as 14 of 196), so a TokenMix batch masks
27 of the 7 × 7 tokens."""
_base_ = '../../mixups/fashion_mnist/vit-p4-w64_1xb100-100e_fmnist2k.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.TokenMix', mixup_alpha=0.8,
                                 cutmix_alpha=1.0, switch_prob=0.5, patch_size=4,
                                 mask_type='block', minimum_tokens=3)),
)
