"""SAMix, ResNet-50 on ImageNet-1k: the official SAMix recipe, 100 epochs.

AutoMix's ImageNet recipe (SGD 0.1 on 4x64, cosine to 0, the Mix Block's own group at lr
0.1 with momentum 0.9 to 1e-3, m: 0.999 → 0.99999, η cosine 0.1 → 0) with SAMix's Mix
Block: λ multiplied in with a residual (μ=1, no rescaling: lam_mul_k=-1) instead of the
λ channel, a two-layer value neck (1024→512→1, BN, ELU) with dropout 0.1, [z_i'; z_j'] for
query and key, bilinear upsampling (x16), the L1+Variance loss with ε=0.1; the Mix Block's
loss has η=1 (the plain soft cross-entropy).
"""
_base_ = '../../automix/imagenet/automix_resnet50_4xb64-100e_in1k.py'
model = dict(
    mix_block=dict(
        unsampling_mode=['bilinear'], lam_concat=False, lam_mul=1.0, lam_residual=True,
        lam_mul_k=-1, value_neck=dict(hidden_channels=512, num_layers=2, dropout=0.1),
        x_qk_concat=True, mask_loss_mode='L1+Variance', mask_loss_margin=0.1),
)
