"""SAMix (the official CIFAR setting) in the data-limited Fashion-MNIST regime (2,000 training images, 100 epochs).

`configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-100e_fmnist2k.py` (α, η, the λ
margin, the LR floor 0.05, the EMA momentum 0.99 → 0.999, the regime's images, schedule
and seeds) with SAMix's CIFAR Mix Block on the 64-channel stage: λ multiplied in with a
residual (μ=1, k=0.25), a two-layer value neck (64→32→1, BN, ELU), [z_i'; z_j'] for query
and key, bilinear upsampling, L1+Variance with ε=0.1, η=0.5 for the Mix Block's loss.
θ_k is the reported model (`accuracy_ema/top1`).
"""
_base_ = '../../automix/fashion_mnist/automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(
    mix_block=dict(
        unsampling_mode=['bilinear'], lam_mul=1.0, lam_residual=True, lam_mul_k=0.25,
        value_neck=dict(hidden_channels=32, num_layers=2, dropout=0.0),
        x_qk_concat=True, mask_loss_mode='L1+Variance', mask_loss_margin=0.1),
    mix_k_loss=dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5),
)
