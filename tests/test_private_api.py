"""Every private name of mmengine, mmpretrain and torch that mmautomix relies on exists
with the kind we use it as. An upgrade that renames or removes one fails here, naming
the name and our module that needs it, instead of inside a training run."""
import ast
import glob
import inspect
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseModule, MMDistributedDataParallel
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import EpochBasedTrainLoop, Runner
from mmpretrain.engine.hooks import PreciseBNHook
from mmpretrain.models.backbones import ResNet_CIFAR

NUMPY_MULTIARRAY = (getattr(np, '_core', None) or np.core).multiarray

# (owner, name, kind, our module that needs it). Kinds: 'method' (a function on the
# class), 'set in METHOD' (an attribute the named method of the class assigns),
# 'read in CLASS' (an attribute the class's code reads, which we assign),
# 'function' (a module-level callable), 'attribute' (any attribute of a module).
PRIVATE = [
    (Runner, '_resume', 'set in __init__', 'mmautomix/utils/resume.py (is_resuming)'),
    (Runner, '_load_from', 'set in __init__', 'mmautomix/utils/resume.py'),
    (CheckpointHook, '_save_checkpoint_with_step', 'method',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (CheckpointHook, '_save_best_checkpoint', 'method',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (CheckpointHook, 'keep_ckpt_ids', 'set in before_train',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (CheckpointHook, 'file_backend', 'set in before_train',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (CheckpointHook, 'best_ckpt_path', 'set in before_train',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (CheckpointHook, 'last_ckpt', 'read in CheckpointHook',
     'mmautomix/engine/hooks/safe_checkpoint_hook.py'),
    (EpochBasedTrainLoop, '_epoch', 'set in __init__', 'mmautomix/engine/loops.py'),
    (EpochBasedTrainLoop, '_iter', 'set in __init__', 'mmautomix/engine/loops.py'),
    (EpochBasedTrainLoop, '_max_epochs', 'set in __init__', 'mmautomix/engine/loops.py'),
    (EpochBasedTrainLoop, '_decide_current_val_interval', 'method',
     'mmautomix/engine/loops.py'),
    (OptimWrapper, '_accumulative_counts', 'set in __init__',
     'mmautomix/engine/hooks/momentum_hook.py'),
    (AmpOptimWrapper, '_scale_update_param', 'read in AmpOptimWrapper',
     'mmautomix/engine/amp.py'),
    (AmpOptimWrapper, 'loss_scaler', 'read in AmpOptimWrapper', 'mmautomix/engine/amp.py'),
    (AmpOptimWrapper, 'cast_dtype', 'read in AmpOptimWrapper', 'mmautomix/engine/amp.py'),
    (BaseModule, '_params_init_info', 'set in init_weights',
     'mmautomix/detection.py (StrictPretrained records its load as Pretrained does)'),
    (MMDistributedDataParallel, '_run_forward', 'method',
     'mmautomix/models/automix_ddp.py'),
    (PreciseBNHook, '_perform_precise_bn', 'method',
     'mmautomix/engine/hooks/precise_bn_hook.py'),
    (ResNet_CIFAR, '_make_stem_layer', 'method', 'mmautomix/models/resnext_cifar.py'),
    (np, '_core', 'attribute', 'mmautomix/utils/checkpoint.py (numpy >= 2; np.core before)'),
    (NUMPY_MULTIARRAY, '_reconstruct', 'function',
     'mmautomix/utils/checkpoint.py (allow-listed for weights_only loads)'),
    (torch, '_foreach_add', 'function', 'mmautomix/core/skip.py (buffer_snapshot)'),
    (torch, '_foreach_copy_', 'function', 'mmautomix/core/skip.py (buffer_snapshot)'),
    (torch, '_foreach_lerp_', 'function', 'mmautomix/core/ema.py (ema_update)'),
]


def _source(owner, method):
    for klass in owner.__mro__:
        if method in vars(klass):
            return inspect.getsource(vars(klass)[method])
    return ''


@pytest.mark.parametrize('owner, name, kind, ours', PRIVATE,
                         ids=[f'{getattr(o, "__name__", o)}.{n}' for o, n, _, _ in PRIVATE])
def test_private_name_we_rely_on_exists(owner, name, kind, ours):
    where = f'{getattr(owner, "__name__", owner)}.{name}'
    msg = f'{where} ({kind}) is gone or changed; needed by {ours}'
    if kind == 'function':
        assert callable(getattr(owner, name, None)), msg
    elif kind == 'attribute':
        assert hasattr(owner, name), msg
    elif kind == 'method':
        assert inspect.isfunction(getattr(owner, name, None)), msg
    elif kind.startswith('set in '):
        assert f'self.{name} =' in _source(owner, kind[len('set in '):]) or \
            f'self.{name}:' in _source(owner, kind[len('set in '):]), msg
    elif kind.startswith('read in '):
        code = ''.join(inspect.getsource(k) for k in owner.__mro__
                       if k.__module__.startswith('mmengine'))
        assert f'self.{name}' in code, msg
    else:
        raise AssertionError(f'unknown kind {kind!r}')


def test_a_missing_name_is_reported_with_our_module():
    with pytest.raises(AssertionError, match=r'Runner._no_such \(set in __init__\) is gone '
                                             r'or changed; needed by mmautomix/x.py'):
        test_private_name_we_rely_on_exists(Runner, '_no_such', 'set in __init__',
                                            'mmautomix/x.py')


# our own private names read from outside their class, and namedtuple's public API
_OURS = {'_asdict', '_fields', '_replace', '_tap', '_make'}


def _private(name):
    return name.startswith('_') and not name.startswith('__') and name not in _OURS


def foreign_private_names_in(source: str):
    """{name: line} of the private names ``source`` reads or writes on another object,
    from its syntax tree: ``obj._name`` where obj is not ``self``, ``cls`` or
    ``super()``, and ``getattr``/``setattr``/``hasattr(obj, '_name', ...)``."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ('self', 'cls'):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, 'id', None) == 'super':
                continue
            found.setdefault(node.attr, node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ('getattr', 'setattr', 'hasattr') and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant)
              and isinstance(node.args[1].value, str) and _private(node.args[1].value)):
            found.setdefault(node.args[1].value, node.lineno)
    return found


def _foreign_private_names():
    from conftest import REPO
    found = {}
    for path in glob.glob(osp.join(REPO, 'mmautomix', '**', '*.py'), recursive=True) + \
            glob.glob(osp.join(REPO, 'tools', '**', '*.py'), recursive=True):
        with open(path) as f:
            names = foreign_private_names_in(f.read())
        for name, line in names.items():
            found.setdefault(name, f'{osp.relpath(path, REPO)}:{line}')
    return found


def test_the_scan_finds_private_names_by_syntax_not_by_text():
    """The scan reads the syntax tree: an access in code is found (also split over lines
    or through getattr/setattr), one in a comment or a string is not, and self/cls/
    super() accesses are a class's own."""
    source = """
import torch
x = torch._foreach_add(a, 0)   # torch._in_a_comment
y = (runner
     .optim_wrapper._accumulative_counts)
setattr(model, '_written', 1)
getattr(obj, '_read', None)
doc = "torch._in_a_string"
self._own = super()._base_method()
"""
    assert foreign_private_names_in(source) == {
        '_foreach_add': 3, '_accumulative_counts': 4, '_written': 6, '_read': 7}


def test_every_foreign_private_name_in_our_code_is_guarded():
    """Our code's accesses to another object's private name (``x._name``,
    ``getattr(x, '_name')``) are all in PRIVATE, so an upgrade that drops one fails above
    instead of in a run. (A subclass's ``self._name`` of its base is listed by hand.)"""
    guarded = {name for _, name, _, _ in PRIVATE}
    found = _foreign_private_names()
    assert found, 'the scan found nothing: it broke'
    missing = {name: where for name, where in found.items() if name not in guarded}
    assert not missing, f'private names used but not guarded in PRIVATE: {missing}'
