# A ResNet-18 (CIFAR stem: 3x3 conv, no max-pool) at 1/4 width (16-32-64-128 channels)
# on 1-channel 28x28 input: the 2-CPU-core stand-in for the reference's CIFAR ResNet-18.
# Stage outputs at 28 px: 28, 14, 7, 4 (stage index 2 is 7x7x64).
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
