"""AutoMix (the official CIFAR setting) in the data-limited Fashion-MNIST regime (2,000 training images, 100 epochs).

`automix_resnet18-w16_1xb100-4e_fmnist.py` (the Mix Block, α, η, the λ margin, the LR
floor 0.05 and the EMA momentum 0.99 → 0.999 over the run) on the regime of
`_base_/regimes/fmnist2k_100e.py`, with the baselines' images, schedule and seeds
(docs/benchmarks/fmnist_regime.md). θ_k is the reported model (`accuracy_ema/top1`).
"""
_base_ = ['./automix_resnet18-w16_1xb100-4e_fmnist.py', '../../_base_/regimes/fmnist2k_100e.py']
train_dataloader = {{_base_.regime_train_dataloader}}
train_cfg = {{_base_.regime_train_cfg}}
default_hooks = {{_base_.regime_default_hooks}}
