"""AutoMix, DeiT-S on ImageNet-1k: the reference's DeiT recipe with the official `switch_off=0.8`, 300 epochs.

Official values (docs/method.md §1.2, §4.1, §6): the Mix Block reads the patch tokens of
transformer layer 5 (the sixth; 384 channels, 14x14), with the λ channel, L1 mask loss
(margin 0.1) whose weight η anneals 0.1 → 0 over the iterations; α=2, lam_margin=0.08;
**switch_off=0.8**: on a fifth of the steps (drawn per step) θ_k's pass on x_mb and
L_mix_k are skipped, while the mask loss still trains the Mix Block; label smoothing 0.1
on both heads; AdamW lr 1e-3 for 8x128 images, wd 0.05 (none on norms, biases, class
token, position embeddings), gradient norm clipped at 5, 5 linear warm-up epochs from
1e-5·lr, cosine per iteration to 1e-5 (the Mix Block: lr 1e-3 to 1e-4); m: 0.999 →
0.99999 from 25 % of training. DDP: `find_unused_parameters=True`, as a skipped step
leaves the θ_k-pass branch of the graph unused.
Differences from the official config: η follows a plain cosine (the official hook
compounds it; `MaskLossCosineHook(compound=True)` reproduces that), and the Mix Block's
biases keep weight decay (mmengine applies a custom key's settings instead of the bias
rule).
"""
_base_ = [
    '../../_base_/datasets/imagenet_bs128_randaug.py',
    '../../_base_/default_runtime.py',
    '../../_base_/automix_runtime.py',
    '../../_base_/models/automix/deit_small.py',
]
model = dict(switch_off=0.8)
warmup = 5
max_epochs = 300
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0),
        'mix_block': dict(lr=1e-3, min_lr=1e-4)}),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='GroupCosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=warmup,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='mmautomix.engine.ExactResumeEpochBasedTrainLoop',
                 max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.99999, adjust_scope=(0.25, 1.0)),
    dict(type='MaskLossCosineHook', start=0.1, end=0.0),
    dict(type='MixedSampleVisHook', interval=5000),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1,
                                     save_best='accuracy_ema/top1', rule='greater'))
val_evaluator = dict(type='AutoMixAccuracy')   # EMA and online top-k
test_evaluator = val_evaluator
