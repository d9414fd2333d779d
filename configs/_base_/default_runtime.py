# mmpretrain's runtime, with our registries as the default scope: `type='AutoMix'`
# resolves to mmautomix, and everything of mmpretrain/mmengine stays reachable.
_base_ = 'mmpretrain::_base_/default_runtime.py'

default_scope = 'mmautomix'
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # written to a temporary file and renamed: a crash never leaves a truncated one
    checkpoint=dict(type='mmautomix.SafeCheckpointHook', interval=1, max_keep_ckpts=2),
)
