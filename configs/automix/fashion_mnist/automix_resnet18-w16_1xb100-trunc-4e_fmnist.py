"""AutoMix on the Fashion-MNIST CPU recipe with the truncated clean pass (speed option).

`automix_resnet18-w16_1xb100-4e_fmnist.py` with ``truncate_clean_pass=True``: θ_k's clean
pass stops at the Mix Block's stage, so θ_k's later BN statistics average over the
mixed images only (not the official behaviour). A table row from this config measures
what the speed option costs in accuracy.
"""
_base_ = './automix_resnet18-w16_1xb100-4e_fmnist.py'
model = dict(truncate_clean_pass=True)
