"""Pretraining for the tree-crown transfer demo: vanilla ResNet-18 (ImageNet stem, RGB).

No ImageNet here, so the backbone of the detection demo is pretrained on real
Fashion-MNIST given as 3-channel 64-px images: 10,000 images, 2 epochs, batch 100.
automix_resnet18-rgb64_1xb100-2e_fmnist.py is the same run with AutoMix, for the side-by-side
tree-crown mAP. The detector reads `backbone.*` of either checkpoint.
"""
_base_ = [
    '../../_base_/datasets/fashion_mnist.py',
    '../../_base_/schedules/fashion_mnist_cpu.py',
    '../../_base_/default_runtime.py',
]
data_preprocessor = dict(type='ClsDataPreprocessor', num_classes=10, mean=[72.94] * 3,
                         std=[90.0] * 3, to_rgb=False)   # colour input: no grey conversion
rgb64_pipeline = [
    dict(type='Resize', scale=(64, 64)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(num_samples=10000, color=True, pipeline=rgb64_pipeline))
val_dataloader = dict(dataset=dict(num_samples=2000, color=True,
                                   pipeline=[dict(type='Resize', scale=(64, 64)),
                                             dict(type='PackInputs')]))
test_dataloader = val_dataloader
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
train_cfg = dict(max_epochs=2)
randomness = dict(seed=0)
