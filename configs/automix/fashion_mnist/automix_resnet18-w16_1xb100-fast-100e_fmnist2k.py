"""AutoMix, fast recipe, data-limited Fashion-MNIST regime: θ_q's clean-image loss on half of each batch and the Mix Block trained on every eighth step.

`one_q_fraction=0.5` runs θ_q's forward and backward on the clean images on the first
50 of the 100 images of every step (L_one_q is their mean cross-entropy, so the one-hot
heads still train and predict); `mix_block_interval=8` drops θ_k's pass on x_mb, the
mask loss and the Mix Block's gradient on seven steps of eight (the masks of those
steps come from the current Mix Block without a gradient). The training is exactly the
`-q50-every8-100e_fmnist2k` knob config's, whose runs are this recipe's rows in
docs/benchmarks/fmnist_regime.md; its step cost is in docs/benchmarks/automix_step.md.
"""
_base_ = './automix_resnet18-w16_1xb100-q50-every8-100e_fmnist2k.py'
