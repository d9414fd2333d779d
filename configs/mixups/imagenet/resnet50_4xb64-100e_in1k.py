"""Vanilla ResNet-50 on ImageNet-1k, the reference's PyTorch-style 100-epoch recipe."""
_base_ = [
    '../../_base_/datasets/imagenet_bs64.py',
    '../../_base_/schedules/imagenet_sgd_cos100e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
