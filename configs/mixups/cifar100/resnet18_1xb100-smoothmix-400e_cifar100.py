"""SmoothMix on the CIFAR100 ResNet-18 recipe (its λ is the window's mean; the table's α=0.2 has no effect)."""
_base_ = './resnet18_1xb100-400e_cifar100.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.SmoothMix')),
)
