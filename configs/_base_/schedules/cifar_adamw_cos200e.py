# The reference's CIFAR-100 ViT-era schedule (docs/method.md §4.1, §6): AdamW (betas 0.9/
# 0.999, eps 1e-8, wd 0.05; no decay on norms, biases, class token, position embeddings,
# layer scales), linear warm-up from 1e-5·lr for `warmup` epochs, then cosine to 1e-4 for
# every group (the Mix Block's included), updated every iteration; 200 epochs, batch 100.
# Each recipe sets lr, the Mix Block's lr_mult (its lr is 1e-3 in all of them), warmup
# and gradient clipping.
warmup = 5
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0),
        '.absolute_pos_embed': dict(decay_mult=0.0), '.gamma': dict(decay_mult=0.0),
        'mix_block': dict(lr_mult=2.0)}),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=True, begin=warmup, end=200,
         convert_to_iter_based=True),
]
# mmengine's epoch-based loop that also resumes exactly from a mid-epoch checkpoint
# (mmautomix/engine/loops.py; by_epoch=True is implied)
train_cfg = dict(type='mmautomix.engine.ExactResumeEpochBasedTrainLoop', max_epochs=200,
                 val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=100)
