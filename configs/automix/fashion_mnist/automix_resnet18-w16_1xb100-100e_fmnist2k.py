"""AutoMix (the official CIFAR setting) in the data-limited Fashion-MNIST regime (2,000 training images, 100 epochs).

`automix_resnet18-w16_1xb100-4e_fmnist.py` (the Mix Block, α, η, the λ margin, the LR
floor 0.05 and the EMA momentum 0.99 → 0.999 over the run) on the regime of
`_base_/regimes/fmnist2k_100e.py`, with the baselines' images, schedule and seeds
(docs/benchmarks/fmnist_regime.md). θ_k is the reported model (`accuracy_ema/top1`).

What its masks do on these 28-px images: they stay flat. λ does not enter this Mix Block
(no λ channel, as in the official CIFAR setting), its attention stays within 1 % of
uniform (entropy 0.995 of uniform), and it learns one mixing weight per image: spatial
std of M_j 0.015, |mean(M_j) − (1 − λ)| 0.22 at the end of training (5 seeds), a learned
global mixup. `automix_resnet18-w16_1xb100-attn03-100e_fmnist2k.py` is the named variant
whose masks are spatial (docs/benchmarks/mask_learning.md: what it buys).
"""
_base_ = ['./automix_resnet18-w16_1xb100-4e_fmnist.py', '../../_base_/regimes/fmnist2k_100e.py']
train_dataloader = {{_base_.regime_train_dataloader}}
train_cfg = {{_base_.regime_train_cfg}}
default_hooks = {{_base_.regime_default_hooks}}
