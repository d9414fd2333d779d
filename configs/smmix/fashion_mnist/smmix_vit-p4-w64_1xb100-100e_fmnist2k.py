"""SMMix on the small ViT in the data-limited Fashion-MNIST regime (2,000 images, 100
epochs; docs/vit_mixups.md): the official values, on a 7 × 7 token grid (window sides 1
to 5 tokens)."""
_base_ = '../../mixups/fashion_mnist/vit-p4-w64_1xb100-100e_fmnist2k.py'
model = dict(
    type='mmautomix.SMMix',
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    switch_prob=0.5,
    mixup_alpha=0.8,
    min_side_ratio=0.25,
    max_side_ratio=0.75,
)
