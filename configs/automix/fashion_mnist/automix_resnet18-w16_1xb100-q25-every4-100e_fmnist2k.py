"""AutoMix in the data-limited Fashion-MNIST regime with θ_q's clean-image loss on a quarter of each batch and the Mix Block trained on every fourth step (`one_q_fraction=0.25` + `mix_block_interval=4`).

Two speed knobs composed, both keeping a signal that `head_weights.one_q=0` drops: θ_q's
clean pass runs on the first 25 of the 100 images of every step (L_one_q is their mean
cross-entropy, so the one-hot heads still train and predict), and θ_k's pass on x_mb
with the Mix Block's gradient runs on every fourth step (the masks of the other steps
come from the current Mix Block without a gradient). Measured against
`automix_resnet18-w16_1xb100-100e_fmnist2k.py` (same images, schedule and seeds), for
the paired top-1 difference (docs/benchmarks/fmnist_regime.md) and the step cost
(docs/benchmarks/automix_step.md).
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(one_q_fraction=0.25, mix_block_interval=4)
# under DDP the Mix Block is unused on the steps it skips
model_wrapper_cfg = dict(find_unused_parameters=True)
