"""AutoMix with SAMix's L1+Variance mask loss in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with one change: the mask
loss max(|1 − m̄ − λ| − ε, 0) − 2·mean((M_j − m̄)²), whose variance term rewards masks
with spatial contrast (η = 0.1, ε = 0.1 as before; the Mix Block itself is AutoMix's).
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mix_block=dict(mask_loss_mode='L1+Variance'))
