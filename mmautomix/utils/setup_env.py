import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmautomix (and mmpretrain) module so that it is registered, and
    optionally make ``mmautomix`` the default scope."""
    import mmpretrain.utils
    mmpretrain.utils.register_all_modules(init_default_scope=False)
    import mmautomix.datasets  # noqa: F401
    import mmautomix.engine  # noqa: F401
    import mmautomix.evaluation  # noqa: F401
    import mmautomix.models  # noqa: F401
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmautomix', scope_name='mmautomix')
    elif current.scope_name != 'mmautomix':
        warnings.warn(f'default scope was {current.scope_name!r}; switching to mmautomix')
        DefaultScope.get_instance(f'mmautomix-{datetime.datetime.now()}',
                                  scope_name='mmautomix')
