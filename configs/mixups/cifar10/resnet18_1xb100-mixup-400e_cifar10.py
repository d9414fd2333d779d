"""Mixup (alpha=1.0, the reference table's setting) on the CIFAR10 ResNet-18 recipe."""
_base_ = './resnet18_1xb100-400e_cifar10.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
