"""Reading runs: mmengine work directories and OpenMixup JSON-lines logs, each run's
validation curve, speed, memory, mask statistics and recipe digest."""
import glob
import hashlib
import json
import os.path as osp
import re
import statistics

from . import masks as mask_columns

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# top-1 keys: AutoMixAccuracy's EMA and online models; mmpretrain's Accuracy for the rest
EMA, ONLINE, PLAIN = 'accuracy_ema/top1', 'accuracy_online/top1', 'accuracy/top1'
# logged by AutoMix with its losses: within-mask spatial std, |mean(M_j) − (1 − λ)|
MASK_KEYS = mask_columns.KEYS
# keys that differ between the seeds of one method without changing the recipe
SEED_KEYS = ('randomness', 'work_dir', 'launcher', 'resume', 'load_from', 'env_cfg')
NOT_RECIPE_KEYS = ('default_hooks', 'visualizer', 'vis_backends', 'log_processor',
                   'log_level', 'model_wrapper_cfg')


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


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
    return _digest(json.dumps(cfg, sort_keys=True, default=str))


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
    return _finish(run, val, times, memory)


def openmixup_method(config_text):
    """The method an OpenMixup run trained, from the config text its log's first line
    holds: ``mix_mode`` (and α) for the mixup family, which shares one config file per
    dataset; the classifier type for AutoMix, SAMix (AutoMix's classifier with the SAMix
    Mix Block options) and AdAutoMix. ``None`` when the config names no method."""
    model = None
    try:
        from mmengine.config import Config
        model = Config.fromstring(config_text, '.py').get('model')
    except Exception:  # noqa: BLE001 - fall back to reading the text
        model = None
    if model is None:
        block = re.search(r'^model\s*=\s*dict\((.*?)^\S', config_text + '\nEND',
                          re.S | re.M)
        if not block:
            return None
        text = block.group(1)
        mtype = re.search(r"type\s*=\s*['\"](\w+)['\"]", text)
        mode = re.search(r'mix_mode\s*=\s*(\[[^\]]*\]|[\'"][^\'"]*[\'"])', text)
        model = dict(type=mtype.group(1) if mtype else None)
        if mode:
            model['mix_mode'] = eval(mode.group(1), {})   # a literal str or list of str
        samix = re.search(r'(lam_mul\s*=\s*(True|[0-9.]*[1-9])|x_qk_concat\s*=\s*True|'
                          r'value_neck_cfg\s*=\s*dict)', text)
        model['mix_block'] = dict(lam_mul=bool(samix))
    mtype = model.get('type')
    if mtype == 'MixUpClassification' or 'mix_mode' in model:
        mode = model.get('mix_mode')
        if not mode:
            return None
        return '+'.join(mode) if isinstance(mode, (list, tuple)) else str(mode)
    if mtype == 'AutoMixup':
        block = model.get('mix_block') or {}
        samix = (block.get('lam_mul') or block.get('x_qk_concat')
                 or block.get('value_neck_cfg') is not None and 'value_neck_cfg' in block)
        return 'SAMix' if samix else 'AutoMix'
    if mtype == 'AdAutoMix':
        return 'AdAutoMix'
    return mtype or None


def sniff_openmixup(path):
    """``None`` when ``path`` is a log in OpenMixup's JSON-lines format (whatever its
    name), else the reason it is not."""
    try:
        with open(path, encoding='utf-8') as f:
            lines = [line for line in f if line.strip()]
    except (UnicodeDecodeError, OSError) as err:
        return f'not a text file ({type(err).__name__})'
    if not lines:
        return 'empty file'
    modes = False
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError:
            return f'line {i} is not JSON: not a JSON-lines log'
        if not isinstance(rec, dict):
            return f'line {i} is not a JSON object: not a JSON-lines log'
        modes = modes or rec.get('mode') in ('train', 'val')
    if not modes:
        return ('JSON lines without OpenMixup\'s "mode": "train"/"val" records (and not in '
                'an mmengine work directory)')
    return None


def read_openmixup(path):
    """One run from an OpenMixup JSON-lines log (first line: env, config, seed, exp_name).

    The method is named from the logged config (``openmixup_method``); a log whose
    config names none is shown under its file name, marked, and never merged."""
    run = dict(source=path, format='openmixup', seed=None, max_epochs=None, recipe=None,
               method=None)
    val, times, memory, masks = {}, [], [], {}
    with open(path) as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            rec = json.loads(line)
            if i == 0 and 'mode' not in rec:
                run['seed'] = rec.get('seed')
                if rec.get('config'):
                    run['method'] = openmixup_method(rec['config'])
                    text = re.sub(r'(seed|work_dir)\s*=.*', '', rec['config'])
                    run['recipe'] = _digest(text)
                    m = re.search(r'max_epochs\s*=\s*(\d+)', rec['config'])
                    run['max_epochs'] = int(m.group(1)) if m else None
                continue
            if rec.get('mode') == 'val':
                if 'acc_one_k_top1' in rec or 'acc_one_q_top1' in rec:
                    k = rec.get('acc_one_k_top1', rec.get('acc_one_q_top1'))
                    val[rec['epoch']] = (k, rec.get('acc_one_q_top1'))
                elif 'head0_top1' in rec:
                    val[rec['epoch']] = (rec['head0_top1'], None)
            elif rec.get('mode') == 'train' and 'time' in rec:
                times.append(rec['time'])
                if 'memory' in rec:
                    memory.append(rec['memory'])
                values = mask_columns.record(rec)
                if values:                    # a run instrumented to log its masks
                    masks[(rec.get('epoch') or 0, rec.get('iter', len(masks)))] = values
    if masks:
        run['mask_stats'] = [[i, *masks[key]] for i, key in enumerate(sorted(masks))]
    if run['method'] is None:
        run['method'] = osp.basename(path)
        run['problem'] = ('method unknown: the log\'s config names no mix_mode or '
                          'classifier type')
    return _finish(run, val, times, memory)


def _finish(run, val, times, memory):
    epochs = sorted(e for e in val if e is not None)
    run['epochs'] = epochs
    run['top1'] = [val[e][0] for e in epochs]
    online = [val[e][1] for e in epochs]
    run['online_top1'] = online if any(v is not None for v in online) else None
    run['s_per_iter'] = statistics.median(times) if times else None
    if memory:
        run['peak_mem_mb'] = max(memory)
    elif run.get('peak_rss_mb'):
        run['peak_mem_mb'] = run['peak_rss_mb']
    if not epochs and 'problem' not in run:
        run['problem'] = 'no validation record'
    elif run.get('max_epochs') and epochs and epochs[-1] < run['max_epochs'] and \
            'problem' not in run:
        run['problem'] = f'stopped after epoch {epochs[-1]} of {run["max_epochs"]}'
    return run


# files of an mmengine work directory, read through its scalars.json or run.json
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
