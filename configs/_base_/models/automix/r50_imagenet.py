# AutoMix on an ImageNet ResNet-50 (docs/method.md §1.2, §2.1: ImageNet R50 config values).
# The Mix Block reads stage index 2 (1024 ch, 14x14 at 224 px, upsampled x16) with the
# λ channel concatenated (lam_concat=True on ImageNet-scale data).
model = dict(
    type='mmautomix.AutoMix',
    backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    mix_block=dict(
        type='PixelMixBlock', in_channels=1024, reduction=2, use_scale=True,
        unsampling_mode=['nearest'], lam_concat=True,
        mask_loss_mode='L1', mask_loss_margin=0.1),
    alpha=2.0,
    momentum=0.999,
    mask_layer=2,
    mask_loss_weight=0.1,
    lam_margin=0.08,
)
