"""Reading runs: mmengine work directories and OpenMixup JSON-lines logs, each run's
validation curve, speed, memory, mask statistics and recipe digest."""
import glob
import json
import os.path as osp
import re

from . import masks as mask_columns
from .openmixup_logs import read_openmixup, sniff_openmixup
from .run_record import digest, finish_run

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# top-1 keys: AutoMixAccuracy's EMA and online models; mmpretrain's Accuracy for the rest
EMA, ONLINE, PLAIN = 'accuracy_ema/top1', 'accuracy_online/top1', 'accuracy/top1'
# logged by AutoMix with its losses: within-mask spatial std, |mean(M_j) − (1 − λ)|
MASK_KEYS = mask_columns.KEYS
# keys that differ between the seeds of one method without changing the recipe
SEED_KEYS = ('randomness', 'work_dir', 'launcher', 'resume', 'load_from', 'env_cfg')
NOT_RECIPE_KEYS = ('default_hooks', 'visualizer', 'vis_backends', 'log_processor',
                   'log_level', 'model_wrapper_cfg')


def _recipe_digest(cfg_path):
    """A digest of what defines the recipe: the config without the keys that differ
    between seeds and those that do not change what is trained (checkpointing, logging,
    pictures, the DDP wrapper, which epoch-based loop runs the epochs, the data loaders'
    worker settings, when ``ExactResumeEpochBasedTrainLoop`` validates, the variables of
    a regime base)."""
    from mmengine.config import Config
    cfg = Config.fromfile(cfg_path).to_dict()
    for key in SEED_KEYS + NOT_RECIPE_KEYS:
        cfg.pop(key, None)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(loader), dict):   # how the data is loaded, not which
            for key in ('num_workers', 'persistent_workers', 'pin_memory'):
                cfg[loader].pop(key, None)
            if isinstance(cfg[loader].get('dataset'), dict):
                cfg[loader]['dataset'] = _with_subset_seed(cfg[loader]['dataset'])
    loop = dict(cfg.get('train_cfg') or {})
    if str(loop.get('type', '')).endswith('ExactResumeEpochBasedTrainLoop'):
        # validation leaves this loop's random stream untouched: when it validates does
        # not change what is trained
        for key in ('val_interval', 'val_begin', 'dynamic_intervals'):
            loop.pop(key, None)
    if str(loop.get('type', '')).endswith('EpochBasedTrainLoop'):
        loop.pop('type')
        loop['by_epoch'] = True
    cfg['train_cfg'] = loop
    for key in [k for k in cfg if k.startswith('regime_')]:
        cfg.pop(key)          # a regime base's variables, already merged where they act
    return digest(json.dumps(cfg, sort_keys=True, default=str))


def _with_subset_seed(dataset):
    """``dataset`` with the subset seed a subset draws with when none is given
    (OfflineFashionMNIST's default, 0), so the two spellings compare equal."""
    dataset = dict(dataset)
    if dataset.get('num_samples') is not None:
        dataset.setdefault('subset_seed', 0)
    return dataset


def _data_key(dataset):
    """Which training data a run used: the dataset type, its subset size and seed (a
    dataset wrapper names the dataset it wraps)."""
    if not isinstance(dataset, dict):
        return None
    if isinstance(dataset.get('dataset'), dict):
        return f'{dataset.get("type")}({_data_key(dataset["dataset"])})'
    dataset = _with_subset_seed(dataset)
    parts = [str(dataset.get('type'))]
    for key in ('split', 'num_samples', 'subset_seed', 'ann_file'):
        if dataset.get(key) not in (None, ''):
            parts.append(f'{key}={dataset[key]}')
    return ' '.join(parts)


def _schedule_mismatch(cfg):
    """Why the run's LR schedule does not end with its training (a cosine schedule whose
    end, or begin + T_max, is not ``max_epochs``), or None. mmengine ends a schedule
    that gives neither at ``max_epochs``."""
    epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
    schedulers = cfg.get('param_scheduler') or []
    for sched in schedulers if isinstance(schedulers, list) else [schedulers]:
        if 'Cosine' not in str(sched.get('type', '')) or not sched.get('by_epoch', True):
            continue
        begin = sched.get('begin', 0)
        end = sched.get('end', begin + sched['T_max'] if 'T_max' in sched else None)
        if epochs and end is not None and end != epochs:
            return (f'the cosine schedule ends at epoch {end} but train_cfg.max_epochs='
                    f'{epochs}: not averaged')
    return None


def read_mmengine(work_dir):
    """One run from an mmengine work directory (every resumed part, in time order)."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    name = osp.basename(osp.normpath(work_dir))
    if re.fullmatch(r'seed\d+', name):          # `run`'s layout: <config name>/seed<k>
        name = osp.basename(osp.dirname(osp.normpath(work_dir)))
    run = dict(source=work_dir, format='mmengine', seed=None, max_epochs=None,
               method=name, recipe=None)
    configs = glob.glob(osp.join(work_dir, '*.py'))
    if configs:
        from mmengine.config import Config
        cfg = Config.fromfile(configs[0])
        if not re.fullmatch(r'seed\d+', osp.basename(osp.normpath(work_dir))):
            run['method'] = osp.splitext(osp.basename(configs[0]))[0]   # a user's work_dir
        run.update(
                   seed=cfg.get('randomness', {}).get('seed'),
                   max_epochs=cfg.get('train_cfg', {}).get('max_epochs'),
                   recipe=_recipe_digest(configs[0]),
                   data=_data_key((cfg.get('train_dataloader') or {}).get('dataset')))
        mismatch = _schedule_mismatch(cfg)
        if mismatch:
            run['problem'] = mismatch
    marker = osp.join(work_dir, 'run.json')
    if osp.isfile(marker):
        with open(marker) as f:
            meta = json.load(f)
        run.update(peak_rss_mb=meta.get('peak_rss_mb'), wall_s=meta.get('wall_s'))
        if run['seed'] is None:
            run['seed'] = meta.get('seed')
        if meta.get('returncode'):
            run['problem'] = f'training exited with {meta["returncode"]}'
    val, times, memory, masks = {}, [], [], {}
    for log in logs:
        with open(log) as f:
            for line in f:
                rec = json.loads(line)
                if EMA in rec or PLAIN in rec:
                    val[rec.get('epoch', rec.get('step'))] = (rec.get(EMA, rec.get(PLAIN)),
                                                              rec.get(ONLINE))
                elif 'time' in rec and 'loss' in rec:
                    times.append(rec['time'])
                    if 'memory' in rec:
                        memory.append(rec['memory'])
                    values = mask_columns.record(rec)
                    if values:                    # AutoMix: what its masks look like
                        masks[rec['step']] = values
    if masks:
        run['mask_stats'] = [[step, *masks[step]] for step in sorted(masks)]
    if not logs:
        run['problem'] = 'no scalar log (vis_data/scalars.json)'
    return finish_run(run, val, times, memory)


_MMENGINE_FILES = re.compile(r'.*\.(py|pth|log|png|jpg)$|run\.json$|last_checkpoint$')


def find_runs(paths, skipped=None):
    """Every run under ``paths``: mmengine work directories, and every other file that
    is an OpenMixup JSON-lines log whatever its name. Other files are appended to
    ``skipped`` as (path, reason)."""
    runs, seen = [], set()
    skipped = [] if skipped is None else skipped
    for root in paths:
        for log in sorted(glob.glob(osp.join(root, '**', 'vis_data', 'scalars.json'),
                                    recursive=True)):
            work_dir = osp.dirname(osp.dirname(osp.dirname(log)))
            if work_dir not in seen:
                seen.add(work_dir)
                runs.append(read_mmengine(work_dir))
        for marker in sorted(glob.glob(osp.join(root, '**', 'run.json'), recursive=True)):
            work_dir = osp.dirname(marker)
            if work_dir not in seen:      # started by `run`, but no log was written
                seen.add(work_dir)
                runs.append(read_mmengine(work_dir))
        files = [root] if osp.isfile(root) else sorted(
            p for p in glob.glob(osp.join(root, '**', '*'), recursive=True) if osp.isfile(p))
        for path in files:
            inside = any(path.startswith(osp.join(w, '')) for w in seen)
            if inside and (_MMENGINE_FILES.match(osp.basename(path)) or
                           osp.basename(osp.dirname(path)) == 'vis_data' or
                           path.endswith('.json')):
                continue          # part of a work directory read above
            reason = sniff_openmixup(path)
            if reason is None:
                runs.append(read_openmixup(path))
            else:
                skipped.append((path, reason))
    return runs
