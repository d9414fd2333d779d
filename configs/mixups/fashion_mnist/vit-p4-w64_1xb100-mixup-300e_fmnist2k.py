"""The small ViT with mmpretrain's Mixup (α 0.8, DeiT's) on the regime's 2,000 images for
300 epochs: the third point of the ViT regime search."""
_base_ = './vit-p4-w64_1xb100-300e_fmnist2k.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='Mixup', alpha=0.8)),
)
