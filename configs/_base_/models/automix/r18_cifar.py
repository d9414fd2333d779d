# AutoMix on a CIFAR-stem ResNet-18 (docs/method.md §1.2, §2.1: CIFAR-100 R18 config values).
# The Mix Block reads stage index 2 (mask_layer=2: 256 ch, 8x8 at 32 px, upsampled x4);
# no λ channel on small-scale data (lam_concat=False).
model = dict(
    type='mmautomix.AutoMix',
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4, out_indices=(3, ),
                  style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    mix_block=dict(
        type='PixelMixBlock', in_channels=256, reduction=2, use_scale=True,
        unsampling_mode=['nearest'], lam_concat=False,
        mask_loss_mode='L1', mask_loss_margin=0.1),
    alpha=2.0,
    momentum=0.999,
    mask_layer=2,
    mask_loss_weight=0.1,
    lam_margin=0.08,
)
