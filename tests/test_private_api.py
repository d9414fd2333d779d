"""Every private name of mmengine, mmpretrain and torch that mmautomix relies on exists
with the kind we use it as. An upgrade that renames or removes one fails here, naming
the name and our module that needs it, instead of inside a training run."""
import inspect

import pytest
import torch
from mmengine.hooks import CheckpointHook
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import EpochBasedTrainLoop, Runner
from mmpretrain.engine.hooks import PreciseBNHook
from mmpretrain.models import ClsDataPreprocessor

# (owner, name, kind, our module that needs it). Kinds: 'method' (a function on the
# class), 'set in METHOD' (an attribute the named method of the class assigns),
# 'read in CLASS' (an attribute the class's code reads, which we assign),
# 'function' (a module-level callable).
PRIVATE = [
    (Runner, '_resume', 'set in __init__', 'mmautomix/utils/resume.py (is_resuming)'),
    (Runner, '_load_from', 'set in __init__', 'mmautomix/utils/resume.py'),
    (Runner, 'save_checkpoint', 'method', 'mmautomix/engine/hooks/safe_checkpoint_hook.py '
     '(replaced for one best-checkpoint save)'),
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
    (MMDistributedDataParallel, '_run_forward', 'method',
     'mmautomix/models/automix_ddp.py'),
    (PreciseBNHook, '_perform_precise_bn', 'method',
     'mmautomix/engine/hooks/precise_bn_hook.py'),
    (ClsDataPreprocessor, '_enable_normalize', 'set in __init__',
     'mmautomix/models/mixups/puzzlemix.py, engine/hooks/mixed_sample_vis_hook.py'),
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
