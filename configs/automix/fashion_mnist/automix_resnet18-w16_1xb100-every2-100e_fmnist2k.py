"""AutoMix in the data-limited Fashion-MNIST regime with the Mix Block trained on every second step only (`mix_block_interval=2`, ours).

A speed knob measured against `automix_resnet18-w16_1xb100-100e_fmnist2k.py` (everything
else identical: same images, schedule and seeds), for the paired top-1 difference
(docs/benchmarks/fmnist_regime.md) and the step cost (docs/benchmarks/automix_step.md).
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(mix_block_interval=2)
# under DDP the Mix Block is unused on the steps it skips
model_wrapper_cfg = dict(find_unused_parameters=True)
