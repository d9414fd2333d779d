"""AutoMix, Swin-T on CIFAR-100 at 224 px: the reference's ViT recipe, 200 epochs.

As the DeiT-S recipe (automix_deit-small_1xb100-200e_cifar100.py), with Swin-T
(drop path 0.2, global average pooling and a linear head on its 768 channels) and
20 warm-up epochs. The Mix Block reads stage 2's tokens *before* its patch merging
(384 channels, 14x14 at 224 px, upsampled x16): the 1/16 resolution the official config
states. The official config takes the stage after merging (768 channels, 7x7), which
is x32 and fails its own shape check at 224 px (docs/method.md §7.9).
"""
_base_ = './automix_deit-small_1xb100-200e_cifar100.py'
model = dict(
    backbone=dict(_delete_=True, type='SwinTransformer', arch='tiny', img_size=224,
                  drop_path_rate=0.2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=100, in_channels=768,
              loss={{_base_.smooth_loss}}),
    mask_layer=2,             # backbone.stages.2: (tokens, (14, 14)) before merging
)
warmup = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=True, begin=warmup, end=200,
         convert_to_iter_based=True),
]
