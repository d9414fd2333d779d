"""AutoMix on the regime's images upsampled to 56×56 px, the Mix Block on a 14×14 map.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with every image resized
from 28 to 56 px (bilinear) before the crop, so the Mix Block's stage (index 2, 64
channels) gives a 14×14 map, as the official CIFAR setting's 32-px images give its
Mix Block more positions per object than 28-px ones do here, with each position seeing
the same receptive field as at 28 px. The crop's padding doubles with the image (4 px).
Every pass costs about four times the 28-px one.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
train_pipeline = [
    dict(type='Resize', scale=(56, 56), interpolation='bilinear'),
    dict(type='RandomCrop', crop_size=56, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale=(56, 56), interpolation='bilinear'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
