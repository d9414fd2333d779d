"""AutoMix, fast recipe, data-limited Fashion-MNIST regime: the faithful recipe without θ_q's clean-image loss and with the Mix Block trained on every second step.

`head_weights.one_q=0` drops θ_q's forward and backward on the clean images x on every
step; `mix_block_interval=2` drops θ_k's pass on x_mb, the mask loss and the Mix Block's
gradient on every other step (the masks of those steps come from the current Mix Block
without a gradient). θ_q then learns only from x_bb (L_mix_q), and both θ_q and θ_k
predict with their mixup heads (the one-hot heads never train). The training is exactly
the `-oneq0-every2-100e_fmnist2k` knob config's. A speed/accuracy trade: its top-1 on
this regime is below the faithful recipe's (docs/benchmarks/fmnist_regime.md); its step
cost is in docs/benchmarks/automix_step.md.
"""
_base_ = './automix_resnet18-w16_1xb100-oneq0-every2-100e_fmnist2k.py'
