"""SAMix, ResNet-18 (CIFAR stem) on Tiny-ImageNet (64 px): the official SAMix recipe.

AutoMix's Tiny-ImageNet recipe (SGD 0.2, batch 100, 400 epochs, cosine to 0.05, the Mix
Block's floor 1e-3, m: 0.999 → 0.999999) with SAMix's Mix Block as on CIFAR but without
rescaling λ (lam_mul_k=-1, the official Tiny-ImageNet ResNet-18 value), and the Mix Block's
learning rate 0.1 (SAMix's Tiny-ImageNet value; AutoMix's is 0.2).
"""
_base_ = '../../automix/tiny_imagenet/automix_resnet18_1xb100-400e_tiny-imagenet.py'
model = dict(
    mix_block=dict(
        unsampling_mode=['bilinear'], lam_mul=1.0, lam_residual=True, lam_mul_k=-1,
        value_neck=dict(hidden_channels=128, num_layers=2, dropout=0.0),
        x_qk_concat=True, mask_loss_mode='L1+Variance', mask_loss_margin=0.1),
    mix_k_loss=dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5),
)
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'mix_block': dict(lr=0.1, min_lr=1e-3)}))
