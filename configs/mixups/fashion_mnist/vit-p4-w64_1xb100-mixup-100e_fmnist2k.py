"""The small ViT with mmpretrain's Mixup (α 0.8, DeiT's) on the data-limited regime."""
_base_ = './vit-p4-w64_1xb100-100e_fmnist2k.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='Mixup', alpha=0.8)),
)
