"""AutoMix on the Fashion-MNIST CPU recipe, θ_q's BN statistics re-estimated before each
evaluation (opt-in remedy, not the official method).

`automix_resnet18-w16_1xb100-4e_fmnist.py` plus ``AutoMixPreciseBNHook``: after every epoch
θ_q's BN running statistics become the average over 5,000 clean training images, so the
online top-1 measures θ_q's weights instead of statistics taken half on mixed images
(docs/benchmarks/bn_statistics.md). Training is unchanged; θ_k (the EMA model, reported
and exported) keeps its own statistics.
"""
_base_ = './automix_resnet18-w16_1xb100-4e_fmnist.py'
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=100),
    dict(type='mmautomix.AutoMixPreciseBNHook', num_samples=5000),
    dict(type='mmautomix.ProgressHook', interval=50),   # `make demo`'s progress line
]
