"""FMix baseline (α=0.2, δ=3, hard edge) on the Fashion-MNIST CPU recipe.

Same model, data, schedule and seed as `resnet18-w16_1xb100-4e_fmnist.py`; only the
batch augmentation differs. α is the reference tables' CIFAR value.
"""
_base_ = './resnet18-w16_1xb100-4e_fmnist.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.FMix', alpha=0.2, decay_power=3.0, max_soft=0.0)),
)
