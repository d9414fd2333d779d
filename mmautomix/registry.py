"""Registries of mmautomix: children of mmpretrain's, under the scope ``mmautomix``.

Each registry here has mmpretrain's as parent, so a config with
``default_scope='mmautomix'`` builds our modules by bare name (``type='AutoMix'``) and
still reaches everything of mmpretrain and mmengine (``type='ResNet'``,
``type='CosineAnnealingLR'``); ``type='mmautomix.AutoMix'`` works from any scope.
``locations`` lets the registry import our modules on first use, so nothing needs
``custom_imports``; registries without our modules have none (they exist so that the
``mmautomix`` scope reaches mmpretrain's for every kind).
"""
from contextlib import contextmanager

from mmengine.registry import DefaultScope, Registry
from mmpretrain import registry as mmpretrain_registry

_LOCATIONS = {
    'DATASETS': ['mmautomix.datasets'],
    'MODELS': ['mmautomix.models'],
    'MODEL_WRAPPERS': ['mmautomix.models'],
    'BATCH_AUGMENTS': ['mmautomix.models'],
    'HOOKS': ['mmautomix.engine'],
    'LOOPS': ['mmautomix.engine'],
    'OPTIM_WRAPPERS': ['mmautomix.engine'],
    'PARAM_SCHEDULERS': ['mmautomix.engine'],
    'METRICS': ['mmautomix.evaluation'],
}


def _child(name: str) -> Registry:
    parent = getattr(mmpretrain_registry, name)
    return Registry(parent.name, parent=parent, scope='mmautomix',
                    locations=_LOCATIONS.get(name, []))


RUNNERS = _child('RUNNERS')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS')
LOOPS = _child('LOOPS')
HOOKS = _child('HOOKS')
LOG_PROCESSORS = _child('LOG_PROCESSORS')
OPTIMIZERS = _child('OPTIMIZERS')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS')
DATASETS = _child('DATASETS')
DATA_SAMPLERS = _child('DATA_SAMPLERS')
TRANSFORMS = _child('TRANSFORMS')
MODELS = _child('MODELS')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS')
BATCH_AUGMENTS = _child('BATCH_AUGMENTS')
TASK_UTILS = _child('TASK_UTILS')
METRICS = _child('METRICS')
EVALUATORS = _child('EVALUATORS')
VISUALIZERS = _child('VISUALIZERS')
VISBACKENDS = _child('VISBACKENDS')



@contextmanager
def our_scope():
    """Build inside the ``mmautomix`` scope. Our classifiers build their sub-modules in
    it, so ``type='mmautomix.AutoMix'`` works from any default scope (mmpretrain's
    ``get_model`` builds in ``mmpretrain``): a nested ``PixelMixBlock`` or
    ``ResNeXt_CIFAR`` resolves in our registries, which still reach mmpretrain's."""
    with DefaultScope.overwrite_default_scope('mmautomix'):
        yield


__all__ = [n for n in list(globals()) if n.isupper() and not n.startswith('_')] + [
    'our_scope']
