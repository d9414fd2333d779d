"""SAMix, ResNet-18 (CIFAR stem) on CIFAR100: the official SAMix recipe, 400 epochs.

AutoMix's CIFAR recipe (`configs/automix/cifar100/automix_resnet18_1xb100-400e_cifar100.py`:
α=2, mask_layer=2, η=0.1, lam_margin 0.08, SGD(0.1, 0.9, wd 1e-4) cosine to 0.05,
m: 0.999 → 0.999999, batch 100) with SAMix's Mix Block (docs/successors.md §1): λ
multiplied into the features with a residual (μ=1, k=0.25), a two-layer value neck
(1x1 256→128, BN, ELU, 1x1 128→1, no dropout), [z_i'; z_j'] for query and key, bilinear
upsampling, the L1+Variance mask loss with ε=0.1, and the η-balanced soft
cross-entropy (η=0.5) for the Mix Block's loss (numerically the soft cross-entropy).
The official 800-epoch variant also sets `model.mask_adjust=0.25`.
"""
_base_ = '../../automix/cifar100/automix_resnet18_1xb100-400e_cifar100.py'
model = dict(
    mix_block=dict(
        unsampling_mode=['bilinear'], lam_mul=1.0, lam_residual=True, lam_mul_k=0.25,
        value_neck=dict(hidden_channels=128, num_layers=2, dropout=0.0),
        x_qk_concat=True, mask_loss_mode='L1+Variance', mask_loss_margin=0.1),
    mix_k_loss=dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5),
    mask_adjust=0.0,
)
