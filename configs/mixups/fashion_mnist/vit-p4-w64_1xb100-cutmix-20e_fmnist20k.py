"""The small ViT with mmpretrain's CutMix (α 1.0), 20,000 images, 20 epochs: the second
point of the ViT regime search (docs/vit_mixups.md)."""
_base_ = './vit-p4-w64_1xb100-20e_fmnist20k.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='CutMix', alpha=1.0)),
)
