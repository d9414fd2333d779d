"""GridMix (α=0.2 and the reference config's grid ranges) on the CIFAR100 ResNet-18 recipe."""
_base_ = './resnet18_1xb100-400e_cifar100.py'
model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='mmautomix.GridMix', alpha=0.2, n_holes=(2, 6),
                                 hole_aspect_ratio=1.0, cut_area_ratio=(0.5, 1.0),
                                 cut_aspect_ratio=(0.5, 2.0))),
)
