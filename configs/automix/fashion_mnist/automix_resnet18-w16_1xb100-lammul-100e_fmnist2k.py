"""AutoMix with λ given to its Mix Block the SAMix way (λ scaling with the residual) in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with one change: the Mix
Block's features are scaled by λ before the attention, z_i' = z_i (1 + μλ'),
z_j' = z_j (1 + μ(1 − λ')) with μ = 1 and λ' = r_k(λ), k = 0.25 (SAMix's CIFAR values).
AutoMix's own block otherwise: one shared W_q for query and key, the linear value W_v,
nearest upsampling, the L1 mask loss with ε = 0.1 and η = 0.1.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mix_block=dict(lam_mul=1.0, lam_residual=True, lam_mul_k=0.25))
