# Hooks every AutoMix recipe uses: the θ_k momentum schedule and the mixed-sample
# pictures. Each recipe also sets (here they would clash with the dataset and runtime
# bases) `val_evaluator = dict(type='AutoMixAccuracy')`, so that validation reports the
# EMA model (accuracy_ema/*) and the online one (accuracy_online/*), as the official
# code does, and `default_hooks.checkpoint.save_best='accuracy_ema/top1'`, which keeps
# the best EMA checkpoint besides the last ones (max_keep_ckpts deletes earlier epochs).
custom_hooks = [
    dict(type='AutoMixMomentumHook', end_momentum=0.999999, adjust_scope=(0.1, 1.0)),
    dict(type='MixedSampleVisHook', interval=1000),
]
# Under DDP a non-finite loss on one rank skips the step on every rank (no hang). The
# import path, not 'mmautomix.AutoMixDDP': the Runner looks model wrappers up in
# mmengine's root registry, which sees only its direct children's scopes.
model_wrapper_cfg = dict(type='mmautomix.models.AutoMixDDP', broadcast_buffers=False)
