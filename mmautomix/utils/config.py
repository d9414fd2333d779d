"""``--cfg-options`` that name a key the config does not know fail before anything runs.

mmengine merges any ``key=value`` into the config; a typo such as
``train_cfg.max_epoch=3`` is then silently ignored (or explodes much later inside a
constructor). :func:`apply_cfg_options` accepts a key only when it already exists in the
config, or when the dict it lands in has a ``type`` whose constructor takes that
argument; otherwise it raises ``KeyError`` naming the key and the closest valid ones.
"""
import difflib
import inspect

from mmengine.config import Config
from mmengine.registry import DefaultScope, Registry
from mmengine.runner import Runner

# dicts whose class is implied by the Runner rather than given by `type`
_IMPLIED = {'train_cfg': ('LOOPS', 'EpochBasedTrainLoop'),
            'val_cfg': ('LOOPS', 'ValLoop'), 'test_cfg': ('LOOPS', 'TestLoop'),
            'optim_wrapper': ('OPTIM_WRAPPERS', 'OptimWrapper')}
_REGISTRIES = ('MODELS', 'DATASETS', 'TRANSFORMS', 'HOOKS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
               'PARAM_SCHEDULERS', 'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS',
               'DATA_SAMPLERS', 'LOOPS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'LOG_PROCESSORS')


def _runner_keys():
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    # read by Runner.from_cfg / wrap_model / build_* from the config, not __init__ args
    return keys | {'runner_type', 'custom_imports', 'model_wrapper_cfg', 'compile',
                   'find_unused_parameters', 'gpu_ids', 'strategy'}


def _find_class(type_name, hint=None):
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    from mmautomix import registry as ours
    names = [hint] if hint else _REGISTRIES
    for name in names:
        reg: Registry = getattr(ours, name)
        try:
            with DefaultScope.overwrite_default_scope('mmautomix'):
                cls = reg.get(type_name)
        except Exception:  # noqa: BLE001 - lookups of other scopes may import-fail
            cls = None
        if cls is not None:
            return cls
    return None


def _accepts(cls, key):
    """True/False when the constructor's signature decides (or, for a ``**options``
    constructor, the class's ``CONFIG_OPTIONS``); None when it takes any keyword."""
    params = []
    for klass in getattr(cls, '__mro__', [cls]):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        sig = inspect.signature(init).parameters
        params += [p for p in sig if p not in ('self', 'args', 'kwargs')
                   and sig[p].kind != sig[p].VAR_KEYWORD]
        if key in sig and sig[key].kind != sig[key].VAR_KEYWORD:
            return True, params
        if not any(p.kind == p.VAR_KEYWORD for p in sig.values()):
            return False, params
        named = klass.__dict__.get('CONFIG_OPTIONS')   # what its **options take
        if named is not None:
            return key in named, params + list(named)
    return None, params


_HIDDEN = {'runner', 'dataloader', 'cfg', 'params'}  # filled in by the Runner/optimizer


def _fail(path, candidates, where):
    candidates = set(candidates) - _HIDDEN
    close = difflib.get_close_matches(path[-1], sorted(candidates), n=3)
    hint = f' Did you mean {", ".join(repr(c) for c in close)}?' if close else ''
    raise KeyError(f'--cfg-options: unknown config key {".".join(path)!r} ({where}).'
                   f'{hint} Valid keys there: {", ".join(sorted(candidates))}.')


def check_key(cfg: Config, dotted: str) -> None:
    """Raise ``KeyError`` if ``dotted`` is not a key that ``cfg`` can use."""
    path = dotted.split('.')
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg
    for depth, key in enumerate(path):
        if isinstance(node, (list, tuple)):
            if not key.isdigit() or int(key) >= len(node):
                raise KeyError(f'--cfg-options: {".".join(path[:depth + 1])!r}: index '
                               f'{key!r} out of range (list of {len(node)})')
            node = node[int(key)]
            continue
        if not isinstance(node, dict):
            return  # replacing a value below a leaf: mmengine reports that itself
        if key in node:
            node = node[key]
            continue
        if key == 'type' and depth == len(path) - 1:
            return  # choosing the class of a dict (its arguments are checked against it)
        if depth == 0:
            if key not in _runner_keys():
                _fail(path, set(node) | _runner_keys(), 'not in the config nor a Runner key')
            return
        parent = path[depth - 1]
        cls = None
        if 'type' in node:
            cls = _find_class(node['type'])
        elif depth == 1 and parent in _IMPLIED:
            reg, name = _IMPLIED[parent]
            if parent == 'train_cfg' and not node.get('by_epoch', True):
                name = 'IterBasedTrainLoop'
            cls = _find_class(name, reg)
            if parent == 'train_cfg' and key == 'by_epoch':
                return
        if cls is None:
            if 'type' in node:
                return  # class not found here (e.g. another scope): let mmengine decide
            _fail(path, set(node), f'{".".join(path[:depth])!r} has no such key')
        ok, params = _accepts(cls, key)
        if ok is False:
            _fail(path, set(node) | set(params), f'{cls.__name__} takes no argument {key!r}')
        return


def apply_cfg_options(cfg: Config, options) -> Config:
    """Check every key of ``options`` with :func:`check_key` and merge it; ``type`` keys
    first, so ``optim_wrapper.type=AmpOptimWrapper optim_wrapper.dtype=bfloat16`` checks
    ``dtype`` against the class it will reach."""
    if options:
        for dotted in sorted(options, key=lambda k: k.split('.')[-1] != 'type'):
            check_key(cfg, dotted)
            cfg.merge_from_dict({dotted: options[dotted]})
    return cfg


def train_input_shape(cfg: Config):
    """(channels, size) of one training image of ``cfg``: the channels from the data
    preprocessor's ``mean``, the size from the train pipeline's last crop or resize."""
    pre = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    channels = len(pre.get('mean', (0, 0, 0)))
    size = None
    for t in cfg.train_dataloader.dataset.pipeline:
        if t['type'] == 'RandomCrop':
            size = t['crop_size']
        elif t['type'] == 'RandomResizedCrop':
            size = t['scale']
        elif t['type'] == 'Resize':
            size = t['scale'][0] if isinstance(t['scale'], (tuple, list)) else t['scale']
    if size is None:
        raise ValueError('train_dataloader.dataset.pipeline: no RandomCrop, '
                         'RandomResizedCrop or Resize gives the training image size')
    return channels, size
