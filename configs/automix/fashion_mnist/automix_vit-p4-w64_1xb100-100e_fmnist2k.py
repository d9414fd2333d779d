"""AutoMix, the ViT form, on the small ViT of the ViT regime search (4 layers, width 64,
4 × 4 patches on 28-px images; 2,000 images, 100 epochs; docs/vit_mixups.md).

The reference's ViT setting scaled to this network: the Mix Block reads the patch tokens
of transformer layer 1 (the second of 4, as DeiT-S's layer 5 of 12 sits a little under
half-way; 64 channels on the 7 × 7 token grid, the class token dropped, the mask
upsampled × 4), with the λ channel, L1 mask loss (margin 0.1, η 0.1), α 2, lam_margin
0.08; the ViT's AdamW (lr 1e-3, wd 0.05, cosine, as the vanilla ViT) with the Mix Block
at twice the lr (the reference's ratio); θ_k's momentum 0.99 → 0.999, as the CNN regime's
short runs. θ_k is the reported model (`accuracy_ema/top1`).
"""
_base_ = [
    '../../mixups/fashion_mnist/vit-p4-w64_1xb100-100e_fmnist2k.py',
    '../../_base_/automix_runtime.py',
]
model = dict(
    type='mmautomix.AutoMix',
    mix_block=dict(type='PixelMixBlock', in_channels=64, reduction=2, use_scale=True,
                   unsampling_mode=['nearest'], lam_concat=True, mask_loss_mode='L1',
                   mask_loss_margin=0.1),
    alpha=2.0,
    momentum=0.99,
    mask_layer=1,
    mask_loss_weight=0.1,
    lam_margin=0.08,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'mix_block': dict(lr_mult=2.0)}))
default_hooks = dict(checkpoint=dict(save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy', topk=(1, ))   # EMA and online top-1
test_evaluator = val_evaluator
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=100),
]
