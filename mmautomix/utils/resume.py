"""Which checkpoint ``--resume`` (no value) continues from: the newest one that loads.

mmengine resumes from the file named in ``work_dir/last_checkpoint`` and crashes if it
is truncated or corrupt (a process killed while saving with mmengine's own hook, a full
disk, a copy cut short). Here the candidates are that file and every ``epoch_N.pth`` /
``iter_N.pth`` of the folder; each is test-loaded, an unreadable one is reported by
name with the reason (each is opened with its tensors memory-mapped, not read: the
check costs the pickled structure, not the file's size), and of the good ones the furthest along is returned: the highest
training iteration the checkpoint records (``meta.iter``; an ``epoch_3.pth`` is after an
``iter_50.pth`` when it records iteration 60, whatever the numbers in the names), the
newer file on a tie. ``None`` when the folder has no checkpoint (training starts from
scratch, as mmengine does); a ``RuntimeError`` when it has some and none loads (never
a silent restart from scratch).
"""
import glob
import os.path as osp
import re
import warnings
from typing import Optional

from .checkpoint import load_local_checkpoint


def _numbered(path: str) -> bool:
    return re.fullmatch(r'(?:epoch|iter)_\d+\.pth', osp.basename(path)) is not None


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    candidates = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            last = f.read().strip()
        if last:
            candidates.append(last if osp.isabs(last) else osp.join(work_dir, last))
    candidates += sorted(p for p in glob.glob(osp.join(work_dir, '*.pth')) if _numbered(p))
    good, tried = [], []
    for path in dict.fromkeys(candidates):     # each once, in order
        tried.append(path)
        try:
            ckpt = load_local_checkpoint(path, map_location='cpu', mmap=True)
            if not isinstance(ckpt, dict) or 'state_dict' not in ckpt or 'meta' not in ckpt:
                raise ValueError('not a Runner checkpoint (no state_dict/meta)')
        except Exception as err:  # noqa: BLE001 - any failure makes the file unusable
            warnings.warn(f'--resume: checkpoint {path!r} cannot be loaded '
                          f'({type(err).__name__}: {str(err)[:200]}); skipped')
            continue
        meta = ckpt['meta']
        good.append((int(meta.get('iter', -1)), int(meta.get('epoch', -1)),
                     osp.getmtime(path), path))
        del ckpt
    if good:
        return max(good)[-1]
    if tried:
        raise RuntimeError(f'--resume: no checkpoint in {work_dir!r} can be loaded (tried '
                           f'{sorted(tried)}); remove them to start from scratch')
    return None


def _shapes(model, checkpoint: dict):
    """{name: shape} of the checkpoint's tensors and of the model's state dict."""
    theirs = {k: tuple(v.shape) for k, v in checkpoint.get('state_dict', checkpoint).items()
              if hasattr(v, 'shape')}
    return theirs, {k: tuple(v.shape) for k, v in model.state_dict().items()
                    if hasattr(v, 'shape')}


def is_resuming(runner) -> bool:
    """Whether the Runner's checkpoint load is a resume (``resume=True``, the run goes
    on) rather than ``load_from`` (other weights to start from): hooks restore a run's
    counters and generator states only then."""
    return bool(getattr(runner, '_resume', False))


def check_loaded_checkpoint(model, checkpoint: dict, runner) -> None:
    """The check for the checkpoint the Runner has just read, before it goes into
    ``model``: :func:`check_checkpoint_fits` on a resume, :func:`check_load_from`
    for ``load_from``."""
    path = getattr(runner, '_load_from', None) or f'the newest in {runner.work_dir}'
    check = check_checkpoint_fits if is_resuming(runner) else check_load_from
    check(model, checkpoint, path)


def check_load_from(model, checkpoint: dict, path: str) -> None:
    """``load_from`` (without resume) is mmengine's partial, ``strict=False`` load, for
    starting from other weights: tensors of the same name and shape are loaded, the rest
    keep their initialisation. A ``checkpoint`` (loaded from ``path``) of which
    *nothing* fits (another model, another width) raises ``ValueError``; a partial fit
    warns with the counts."""
    theirs, ours = _shapes(model, checkpoint)
    # BN counters and the training state (``load_from`` starts the schedules afresh)
    ours = {k: v for k, v in ours.items()
            if not k.endswith('num_batches_tracked') and k != 'step_state'}
    fit = [k for k in ours if theirs.get(k) == ours[k]]
    if not fit:
        shaped = sorted(k for k in ours if k in theirs)
        detail = (f'{len(shaped)} names in common but none of the same shape (e.g. '
                  f'{shaped[0]}: checkpoint {theirs[shaped[0]]}, model {ours[shaped[0]]})'
                  if shaped else f'no name in common (checkpoint: {sorted(theirs)[:3]}, '
                  f'model: {sorted(ours)[:3]})')
        raise ValueError(f'load_from={path!r}: no tensor of the checkpoint fits the model '
                         f'of this config ({detail}); expected a checkpoint of this '
                         'architecture (or set model.backbone.init_cfg with a prefix)')
    if len(fit) < len(ours):
        rest = sorted(set(ours) - set(fit))
        warnings.warn(f'load_from={path!r}: {len(fit)} of {len(ours)} model tensors are '
                      f'loaded; {len(rest)} keep their initialisation (e.g. {rest[:3]}); '
                      'mmengine loads with strict=False')


def check_checkpoint_fits(model, checkpoint: dict, path: str) -> None:
    """Raise ``ValueError`` when ``checkpoint`` (loaded from ``path``) was not made by a
    model of the same structure as ``model`` (missing, unexpected or differently shaped
    tensors).

    mmengine resumes with ``strict=False``: a checkpoint of another model or depth loads
    partly, with warnings, and training goes on from half-random weights. ``--resume``
    is for continuing the same run, so here any difference is an error that names the
    first differing keys."""
    theirs, ours = _shapes(model, checkpoint)
    # a checkpoint written before the training state went into the state dict carries
    # it in its meta (the hooks restore it from there)
    missing = sorted(set(ours) - set(theirs) - {'step_state'})
    unexpected = sorted(set(theirs) - set(ours))
    shapes = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
    if missing or unexpected or shapes:
        parts = []
        for name, keys in (('missing', missing), ('unexpected', unexpected)):
            if keys:
                parts.append(f'{len(keys)} {name} (e.g. {keys[:3]})')
        if shapes:
            parts.append(f'{len(shapes)} with other shapes (e.g. {shapes[0]}: checkpoint '
                         f'{theirs[shapes[0]]}, model {ours[shapes[0]]})')
        raise ValueError(f'--resume: checkpoint {path!r} does not fit the model of this '
                         f'config: {"; ".join(parts)} tensors. Resume only the run that '
                         'wrote it; to start from other weights use load_from (or '
                         'model.backbone.init_cfg) instead')
