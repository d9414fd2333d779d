"""SMMix, DeiT-S on ImageNet-1k: the official SMMix DeiT-S run, 300 epochs.

Official values (the authors' `main.py` defaults and `script/train.sh`, 4 × 256 images,
docs/vit_mixups.md): SMMix on half of the batches (window sides 3 to 10 of the 14 × 14
token grid, chosen by the model's own last-layer attention), Mixup α 0.8 on the others,
the batch reversed as pairing; the fine-grained token labels and the consistency loss;
DeiT-S with stochastic depth 0.1; label smoothing 0.1 in the soft targets; AdamW lr 5e-4
per 512 images (1e-3 for 8 × 128), wd 0.05, 5 warm-up epochs from 1e-6, cosine to 1e-5;
an EMA of the weights (decay 0.99996, mmengine's EMAHook); RandAugment m9, no random
erasing. DDP must find unused parameters: the token head rests on Mixup batches.
"""
_base_ = [
    '../../_base_/datasets/imagenet_bs128_randaug.py',
    '../../_base_/default_runtime.py',
]
# the base pipeline without its random erasing (the official `--reprob` default is 0)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    type='mmautomix.SMMix',
    backbone=dict(type='VisionTransformer', arch='deit-small', img_size=224, patch_size=16,
                  drop_path_rate=0.1),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=384,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    switch_prob=0.5,
    mixup_alpha=0.8,
    min_side_ratio=0.25,
    max_side_ratio=0.75,
    init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)],
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
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
custom_hooks = [dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1, save_best='auto'))
