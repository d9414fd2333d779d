"""Local checkpoint loading that works with torch >= 2.6 (``weights_only=True``).

mmengine 0.10.7 loads local files with a bare ``torch.load``; since torch 2.6 that means
``weights_only=True``, and a full mmengine checkpoint (message hub with ``HistoryBuffer``
objects holding numpy arrays) then fails to unpickle, so ``--resume`` breaks. Rather than
switching the safety check off, we allow-list exactly the globals a Runner checkpoint
holds and register the loader for local paths with mmengine's ``CheckpointLoader``.
"""
import os.path as osp

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals():
    core = getattr(np, '_core', None) or np.core
    found = [np.ndarray, np.dtype, core.multiarray._reconstruct, core.multiarray.scalar]
    # numpy >= 1.25 pickles dtypes by their class (numpy.dtypes.Float64DType, ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return found


def _history_buffer_getattr(obj, name):
    """The one use of ``getattr`` in a Runner checkpoint: a ``HistoryBuffer`` pickles its
    ``statistics_methods`` as ``getattr(HistoryBuffer, 'mean')``. Plain
    ``getattr`` cannot be allowed (attribute chains reach ``eval``), so only public
    methods defined by ``HistoryBuffer`` itself are returned (not those it inherits from
    ``type`` or ``object``, such as ``mro``)."""
    if ((obj is HistoryBuffer or isinstance(obj, HistoryBuffer)) and isinstance(name, str)
            and not name.startswith('_') and callable(vars(HistoryBuffer).get(name))):
        return getattr(obj, name)
    raise RuntimeError(f'checkpoint asks for getattr({type(obj).__name__}, {name!r}); only '
                       'HistoryBuffer statistics are allowed in a weights_only load')


SAFE_GLOBALS = ([HistoryBuffer] + _numpy_globals() +
                [(_history_buffer_getattr, 'builtins.getattr'),
                 (_history_buffer_getattr, '__builtin__.getattr')])


def load_local_checkpoint(filename, map_location=None, mmap=False):
    """Drop-in for mmengine's ``load_from_local`` that loads with ``weights_only=True``
    and the globals of an mmengine Runner checkpoint allowed. ``mmap=True`` maps the
    tensors' bytes instead of reading them (to look at the meta of a large file)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename!r} does not exist')
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return torch.load(filename, map_location=map_location, weights_only=True,
                          mmap=mmap or None)


def load_prefixed_state(filename, prefix, map_location='cpu', where='checkpoint',
                        prefix_key=None):
    """Tensors of ``filename`` under ``prefix`` with the prefix removed (all of them for
    an empty prefix). Raises ``KeyError`` naming the checkpoint's top-level keys when
    nothing is under the prefix; ``where`` and ``prefix_key`` name the config keys of
    the file and the prefix in that message."""
    if '://' in filename:
        ckpt = CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    else:
        ckpt = load_local_checkpoint(filename, map_location=map_location)
    state = ckpt.get('state_dict', ckpt)
    if prefix and not prefix.endswith('.'):
        prefix += '.'
    out = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not out:
        roots = sorted({k.split('.')[0] for k in state})
        named = f' ({prefix_key})' if prefix_key else ''
        raise KeyError(f'{where}={filename!r} has no {prefix!r} entries{named}; its '
                       f'top-level keys are {roots}')
    return out


def register_checkpoint_loader():
    """Make every local-path load through mmengine (resume, load_from, ``Pretrained``
    init in mmpretrain/mmdet) use :func:`load_local_checkpoint`. Idempotent."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
