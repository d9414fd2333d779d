"""TransMix on a small ViT for Fashion-MNIST, sized for 2 CPU cores (4 epochs).

The 2-core counterpart of the DeiT-S recipe: a ViT of 4 layers, width 64, 4 heads, on
28×28 grey images cut into 4×4 patches (a 7×7 grid, plus the class token); TransMix
with the official values (Mixup α 0.8, CutMix α 1.0, CutMix on 80 % of the batches,
the official label rule); AdamW lr 1e-3, wd 0.05, cosine. Not a tuned regime: the
Fashion-MNIST ViT regime of docs/vit_mixups.md is still to be searched.
"""
_base_ = [
    '../../_base_/datasets/fashion_mnist.py',
    '../../_base_/schedules/fashion_mnist_cpu.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='mmautomix.TransMix',
    backbone=dict(type='VisionTransformer',
                  arch=dict(embed_dims=64, num_layers=4, num_heads=4,
                            feedforward_channels=128),
                  img_size=28, patch_size=4, in_channels=1),
    head=dict(type='VisionTransformerClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', use_soft=True)),
    mixup_alpha=0.8,
    cutmix_alpha=1.0,
    switch_prob=0.8,
    label_rule='official',
)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0)}))
train_dataloader = dict(dataset=dict(num_samples=20000))
randomness = dict(seed=0)
