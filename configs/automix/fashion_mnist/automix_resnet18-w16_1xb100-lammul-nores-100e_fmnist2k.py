"""AutoMix with λ given to its Mix Block the SAMix way, without the residual, in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). As
`automix_resnet18-w16_1xb100-lammul-100e_fmnist2k.py` but the plain scaling
z_i' = λ' z_i, z_j' = (1 − λ') z_j (μ = 1, k = 0.25): the attention logits q·k then
carry the factor λ'(1 − λ') and the value the factor 1 − λ'.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mix_block=dict(lam_mul=1.0, lam_residual=False, lam_mul_k=0.25))
