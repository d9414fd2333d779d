# AutoMix on DeiT-S at 224 px, the reference's ViT recipes (docs/method.md §1.2, §2.1, §6):
# the Mix Block reads the patch tokens of transformer layer 5 (the sixth; 384 channels,
# a 14x14 grid, the class token dropped; mask_layer=5, upsampled x16) with the λ channel,
# L1 mask loss (margin 0.1, η=0.1, annealed by the recipe's hook), α=2, lam_margin=0.08,
# label smoothing 0.1 on both heads, truncated-normal init. Recipes set num_classes.
smooth_loss = dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')
model = dict(
    type='mmautomix.AutoMix',
    backbone=dict(type='VisionTransformer', arch='deit-small', img_size=224, patch_size=16,
                  drop_path_rate=0.1),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=384,
              loss=smooth_loss),
    mix_block=dict(type='PixelMixBlock', in_channels=384, reduction=2, use_scale=True,
                   unsampling_mode=['nearest'], lam_concat=True, mask_loss_mode='L1',
                   mask_loss_margin=0.1),
    alpha=2.0,
    momentum=0.999,
    mask_layer=5,
    mask_loss_weight=0.1,
    lam_margin=0.08,
    init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)],
)
