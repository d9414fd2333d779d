"""TokenMix (teacher-free), DeiT-S on ImageNet-1k: the official TokenMix DeiT-S run, 300
epochs, without its teacher's label maps.

Official values (the authors' `exp/deit_small/run.sh` on DeiT's defaults,
docs/vit_mixups.md): TokenMix on half of the batches (block masks of 112 of the 196
tokens: half the grid plus 14), Mixup α 0.8 on the others, the batch reversed as
pairing; DeiT-S with stochastic depth 0.1; binary cross-entropy (`--use-bce`) with label
smoothing 0.1; AdamW lr 5e-4 per 512 images (1e-3 for 8 × 128), wd 0.05, 5 warm-up
epochs from 1e-6, cosine to 1e-5; an EMA of the weights (decay 0.99996, mmengine's
EMAHook); RandAugment m9, random erasing 0.25. The official run labels TokenMix batches
with a teacher's (NFNet's) activation maps; here the label is the kept share of tokens.
"""
_base_ = [
    '../../_base_/datasets/imagenet_bs128_randaug.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='VisionTransformer', arch='deit-small', img_size=224, patch_size=16,
                  drop_path_rate=0.1),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=384,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original',
                        use_sigmoid=True)),
    init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)],
    train_cfg=dict(augments=dict(type='mmautomix.TokenMix', mixup_alpha=0.8,
                                 cutmix_alpha=1.0, switch_prob=0.5, patch_size=16,
                                 mask_type='block', minimum_tokens=14)),
)
warmup = 5
max_epochs = 300
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
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
custom_hooks = [dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1, save_best='auto'))
