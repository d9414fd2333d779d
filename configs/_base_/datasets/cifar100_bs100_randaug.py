# CIFAR-100 at 224 px for the reference's ViT recipes (DeiT-S, Swin-T; docs/method.md §6):
# RandomResizedCrop to 224 (area 0.8-1, bicubic), horizontal flip and RandAugment (2 ops,
# magnitude 7 ± 0.5, grey fill 114/123/125); test images resized to 224.
_base_ = './cifar100_bs100.py'
img_size = 224
train_pipeline = [
    dict(type='RandomResizedCrop', scale=img_size, crop_ratio_range=(0.8, 1.0),
         backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=7, magnitude_std=0.5,
         hparams=dict(pad_val=[114, 123, 125], interpolation='bicubic')),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale=img_size, backend='pillow', interpolation='bicubic'),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
