"""AutoMix in the data-limited Fashion-MNIST regime without θ_q's clean-image loss and with the Mix Block trained on every second step (`head_weights.one_q=0` + `mix_block_interval=2`).

Two speed knobs composed: no θ_q pass on the clean images on any step, and no θ_k pass
on x_mb (nor Mix Block gradient) on every other step. Measured against
`automix_resnet18-w16_1xb100-100e_fmnist2k.py` (same images, schedule and seeds), for
the paired top-1 difference (docs/benchmarks/fmnist_regime.md) and the step cost
(docs/benchmarks/automix_step.md).
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(head_weights=dict(one_q=0), mix_block_interval=2)
# under DDP the Mix Block is unused on the steps it skips
model_wrapper_cfg = dict(find_unused_parameters=True)
