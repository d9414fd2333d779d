"""AutoMix, ConvNeXt-T (CIFAR stem) on CIFAR-100 at 32 px: the reference's recipe, 200 epochs.

As the DeiT-S recipe (automix_deit-small_1xb100-200e_cifar100.py), with ConvNeXt-T
(3x3 stride-1 stem, drop path 0.3, pooled before its final norm, linear head on 768
channels) on 32 px images (RandomCrop 32 with padding 4, flip, RandAugment), AdamW lr
2e-3 (Mix Block 1e-3), no gradient clipping, 20 warm-up epochs. The Mix Block reads
stage 2 (384 channels, 8x8 at 32 px, upsampled x4), with the λ channel.
"""
_base_ = './automix_deit-small_1xb100-200e_cifar100.py'
model = dict(
    backbone=dict(_delete_=True, type='ConvNeXt_CIFAR', arch='tiny', drop_path_rate=0.3,
                  gap_before_final_norm=True),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=100, in_channels=768,
              loss={{_base_.smooth_loss}}),
    mask_layer=2,             # backbone.stages.2
    init_cfg=[dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=0.02, bias=0.0),
              dict(type='Constant', layer=['LayerNorm'], val=1.0, bias=0.0)],
)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4, padding_mode='reflect'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=7, magnitude_std=0.5,
         hparams=dict(pad_val=[114, 123, 125], interpolation='bicubic')),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=2e-3), clip_grad=None,
                     paramwise_cfg=dict(custom_keys={'mix_block': dict(lr_mult=0.5)}))
warmup = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=True, begin=warmup, end=200,
         convert_to_iter_based=True),
]
