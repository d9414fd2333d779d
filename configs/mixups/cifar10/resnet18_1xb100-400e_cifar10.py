"""Vanilla ResNet-18 (CIFAR stem) on CIFAR10, the reference's CIFAR recipe (400 epochs)."""
_base_ = [
    '../../_base_/datasets/cifar10_bs100.py',
    '../../_base_/schedules/cifar_sgd_cos400e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
