"""TransMix, DeiT-S on ImageNet-1k: the official TransMix DeiT-S recipe, 300 epochs.

Official values (the authors' `deit_s_transmix.yaml`, docs/vit_mixups.md): Mixup α=0.8
and CutMix α=1.0 per batch, CutMix on 80 % of the batches (`mixup_switch_prob: 0.8`),
the official label rule (the mean of the box's area and the class token's attention
share in the last layer); DeiT-S with stochastic depth 0.1; label smoothing 0.1;
AdamW lr 1e-3 for 1024 images, wd 0.03 (none on norms, biases, class token, position
embeddings), 20 linear warm-up epochs from 1e-6, cosine to 1e-5; an EMA of the model
with decay 0.99996 (mmengine's EMAHook, momentum 4e-5); RandAugment m9.
"""
_base_ = [
    '../../_base_/datasets/imagenet_bs128_randaug.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='mmautomix.TransMix',
    backbone=dict(type='VisionTransformer', arch='deit-small', img_size=224, patch_size=16,
                  drop_path_rate=0.1),
    head=dict(type='VisionTransformerClsHead', num_classes=1000, in_channels=384,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    mixup_alpha=0.8,
    cutmix_alpha=1.0,
    switch_prob=0.8,
    label_rule='official',
    init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.0),
              dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)],
)
warmup = 20
max_epochs = 300
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.03),
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
