# Hooks every AutoMix recipe uses: the θ_k momentum schedule and the mixed-sample
# pictures. Each recipe also sets `val_evaluator = dict(type='AutoMixAccuracy')` (here
# it would clash with the dataset base's evaluator): validation then reports the EMA
# model (accuracy/*) and the online one (online_accuracy/*), as the official code does.
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.999999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=1000),
]
