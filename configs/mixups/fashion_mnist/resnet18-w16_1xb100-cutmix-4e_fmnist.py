"""CutMix baseline (mmpretrain batch augment, alpha=0.2) on the Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; only the
batch augmentation differs, so the numbers compare side by side with AutoMix.
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='CutMix', alpha=0.2)),
)
