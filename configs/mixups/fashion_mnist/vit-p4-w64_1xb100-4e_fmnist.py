"""A small ViT on Fashion-MNIST, sized for 2 CPU cores: the vanilla baseline of the ViT
mixups (4 layers, width 64, 4 heads, 4×4 patches on 28×28 grey images; AdamW lr 1e-3,
wd 0.05, cosine; 4 epochs of 20,000 images)."""
_base_ = [
    '../../_base_/datasets/fashion_mnist.py',
    '../../_base_/schedules/fashion_mnist_cpu.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='VisionTransformer',
                  arch=dict(embed_dims=64, num_layers=4, num_heads=4,
                            feedforward_channels=128),
                  img_size=28, patch_size=4, in_channels=1),
    head=dict(type='VisionTransformerClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={
        '.cls_token': dict(decay_mult=0.0), '.pos_embed': dict(decay_mult=0.0)}))
train_dataloader = dict(dataset=dict(num_samples=20000))
randomness = dict(seed=0)
