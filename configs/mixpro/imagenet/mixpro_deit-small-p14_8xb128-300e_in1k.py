"""MixPro, DeiT-S on ImageNet-1k: the official MixPro DeiT-S recipe, 300 epochs.

Official values (the authors' `deit_small_patch14_mask56_224_alpha1.yaml` on the
defaults of their `config.py`, docs/vit_mixups.md): DeiT-S with 14-px patches (a 16 × 16
token grid at 224 px), MaskMix on half of the batches (α 1.0, 56-px mask patches: a
4 × 4 grid of 4 × 4 tokens) with progressive attention labeling, timm's Mixup α 0.8 /
CutMix α 1.0 (switch 0.5) on the others; stochastic depth 0.1, label smoothing 0.1;
AdamW lr 5e-4 per 512 images (1e-3 for 8 × 128), wd 0.05, 20 warm-up epochs from 1e-6,
cosine to 1e-5, gradient norm clipped at 5; RandAugment m9.
"""
_base_ = [
    '../../_base_/datasets/imagenet_bs128_randaug.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='mmautomix.MixPro',
    backbone=dict(type='VisionTransformer', arch='deit-small', img_size=224, patch_size=14,
                  drop_path_rate=0.1),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=384,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    mask_patch_size=56,
    maskmix_alpha=1.0,
    maskmix_prob=0.5,
    pal=True,
    label_smoothing=0.1,
    mixup_alpha=0.8,
    cutmix_alpha=1.0,
    switch_prob=0.5,
    init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)],
)
warmup = 20
max_epochs = 300
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=warmup,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1, save_best='auto'))
