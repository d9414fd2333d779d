"""AutoMix in the data-limited Fashion-MNIST regime without θ_q's clean-image loss and with the truncated clean θ_k pass (the two knobs that together bring the step's pass count to about 2x Mixup's).

A speed knob measured against `automix_resnet18-w16_1xb100-100e_fmnist2k.py` (everything
else identical: same images, schedule and seeds), for the paired top-1 difference
(docs/benchmarks/fmnist_regime.md) and the step cost (docs/benchmarks/automix_step.md).
"""
_base_ = './automix_resnet18-w16_1xb100-100e_fmnist2k.py'
model = dict(head_weights=dict(one_q=0), truncate_clean_pass=True)
