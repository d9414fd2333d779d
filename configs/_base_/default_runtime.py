# mmpretrain's runtime, with our registries as the default scope: `type='AutoMix'`
# resolves to mmautomix, and everything of mmpretrain/mmengine stays reachable.
_base_ = 'mmpretrain::_base_/default_runtime.py'

default_scope = 'mmautomix'
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
)
