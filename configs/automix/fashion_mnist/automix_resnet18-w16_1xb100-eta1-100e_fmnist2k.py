"""AutoMix with a ten times larger mask-loss weight (η = 1) in the data-limited Fashion-MNIST regime.

A point of the mask-learning study (docs/benchmarks/mask_learning.md). The faithful
regime recipe `automix_resnet18-w16_1xb100-100e_fmnist2k.py` with η = 1.0 instead of
0.1, so the L1 term that ties the batch-mean mask to 1 − λ weighs as much as the mixed
classification loss of the Mix Block branch.
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mask_loss_weight=1.0)
