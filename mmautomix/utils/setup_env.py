import datetime
import os.path as osp
import warnings

from mmengine import DefaultScope

from .checkpoint import register_checkpoint_loader

_MODEL_INDEX_REGISTERED = []


def model_index_path() -> str:
    """Our model-index.yml: ``mmautomix/.mim/`` (installs) or the repository root."""
    pkg = osp.dirname(osp.dirname(osp.abspath(__file__)))
    for path in (osp.join(pkg, '.mim', 'model-index.yml'),
                 osp.join(osp.dirname(pkg), 'model-index.yml')):
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'model-index.yml is neither in {pkg}/.mim nor beside {pkg}')


def register_model_index() -> None:
    """Add mmautomix's models to mmpretrain's ``ModelHub``, so that ``list_models``,
    ``get_model``, ``inference_model`` and the inferencers find them by name (config
    paths resolved beside model-index.yml). Idempotent."""
    if _MODEL_INDEX_REGISTERED:
        return
    from mmpretrain.apis import ModelHub
    path = model_index_path()
    ModelHub.register_model_index(path, config_prefix=osp.dirname(path))
    _MODEL_INDEX_REGISTERED.append(path)


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmautomix (and mmpretrain) module so that it is registered, add our
    models to mmpretrain's ``ModelHub`` (by name for ``get_model`` and friends), and
    optionally make ``mmautomix`` the default scope. Also installs the checkpoint
    loader of ``mmautomix.utils.checkpoint`` (Runner checkpoints on torch >= 2.6)."""
    import mmpretrain.utils
    mmpretrain.utils.register_all_modules(init_default_scope=False)
    import mmautomix.datasets  # noqa: F401
    import mmautomix.engine  # noqa: F401
    import mmautomix.evaluation  # noqa: F401
    import mmautomix.models  # noqa: F401
    register_model_index()
    register_checkpoint_loader()
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmautomix', scope_name='mmautomix')
    elif current.scope_name != 'mmautomix':
        warnings.warn(f'default scope was {current.scope_name!r}; switching to mmautomix')
        DefaultScope.get_instance(f'mmautomix-{datetime.datetime.now()}',
                                  scope_name='mmautomix')
