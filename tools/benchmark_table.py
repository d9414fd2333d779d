"""Benchmark tables from real runs: configs × seeds, then one table with honest statistics.

    python tools/benchmark_table.py run CONFIG [CONFIG ...] --seeds 0 1 2 \\
        --work-root work_dirs/table [--cfg-options key=value ...]
    python tools/benchmark_table.py archive WORK_ROOT DEST
    python tools/benchmark_table.py collect DIR [DIR ...] --last 1 \\
        --out docs/benchmarks/table [--title TEXT] [--paired-to METHOD] \\
        [--step-cost COST.json [MORE.json ...]]
    python tools/benchmark_table.py summary TABLE.json TABLE_VS_B.json \
        --labels LABELS.json --into README.md [--per-seed] [--marker NAME] \
        [--methods CONFIG_NAME ...]
    python tools/benchmark_table.py results TABLE.json TABLE_VS_B.json \
        --metafiles configs/*/metafile.yml --labels LABELS.json \
        --evaluated-on 'the 10,000 test images' --cite docs/benchmarks/x.md

``run`` trains every config with every seed, one after another, through
``tools/train.py`` into ``WORK_ROOT/<config name>/seed<k>/``. It is resumable: a run
that finished (its ``run.json`` says so) is not run again, and an interrupted one
continues from its latest checkpoint (``--resume``). ``run.json`` also records the
command, the wall time and the peak RSS of the training process and its workers.
Before each run it prints the run's place in the queue, what it skips as finished, the
elapsed time and an ETA from the mean wall time of the runs it has trained so far.

``archive`` copies what ``collect`` reads of the finished runs (configs, ``run.json``,
scalar logs; a few hundred kB a run) to a folder that can be committed, collected, and
copied back into a work root to continue a table in another session.

``collect`` reads any work directories (ours, or a user's multi-GPU CIFAR/ImageNet
runs: every folder below DIR holding mmengine's ``<time>/vis_data/scalars.json``)
and every other file below DIR that is an OpenMixup JSON-lines log, whatever its name
(recognised by its content), so published official logs sit beside ours. An OpenMixup
run's method is named from the config its log holds: ``mix_mode`` for the mixup
family (one config file trains them all), the classifier type for AutoMix and
AdAutoMix, the Mix Block's options for SAMix; a log whose method cannot be told is
shown under its file name, marked, and never merged. A file in neither format is
listed with the reason and skipped. Per run: the median top-1 of the last N validation
epochs (N = ``--last``; OpenMixup's statistic), for AutoMix the EMA model θ_k and the
online model θ_q as two separate columns (OpenMixup logs: the one-hot heads
``acc_one_k`` and ``acc_one_q``; never a maximum over heads), the median seconds per
training iteration and the peak memory (``memory`` of the log on a GPU, ``run.json``'s
peak RSS on the CPU). Per method: mean ± std over seeds and the number of seeds. A run
without a log, a run that stopped before its last epoch, seeds with different numbers
of epochs, runs of one method whose configs differ (other than the seed) and a table
over more than one training set (dataset, subset size or subset seed) are shown as
marked cells with the reason, never averaged in silently. ``--paired-to METHOD`` adds,
per row, METHOD's top-1 minus the row's for each seed both ran (same seed: same initial
weights and data order), with the mean, its 95 % interval and the verdict of
``benchmark.stats`` (the one rule of every command: Student's t on the per-seed
differences; ahead or behind when the interval excludes 0, level when not, no verdict on
one seed). Learned mixups get two mask columns (``benchmark.masks``: the masks' spatial
std and |mean(M_j) − (1 − λ)| at the end of training; n/a where a run logged none). ``--step-cost`` reads the JSON of ``tools/benchmark_configs.py``
(each config's training step timed side by side with the others in one process, as a
ratio to its reference config; several files read as one when they share the reference)
and adds it as a column; the cost picture then plots top-1 against it instead of the
logged seconds per iteration, which depend on what else the host ran beside each
training.

Writes PREFIX.md (the table, sorted by top-1), PREFIX.json (every per-run value) and
pictures: PREFIX_bars.png (one bar per method, sorted, the seeds as points),
PREFIX_curves.png (validation top-1 per epoch per method, mean and the seeds' range),
PREFIX_cost.png (top-1 against the step cost, or seconds per iteration) and, when AutoMix runs logged
them, PREFIX_masks.png (the Mix Block's within-mask spatial std and
|mean(M_j) − (1 − λ)| over training, one line per recipe with its seeds as a band:
flat masks mean a learned global mixup).

``summary`` writes the compact table of two ``collect`` JSONs of the same runs, paired to
two references A (e.g. vanilla) and B (e.g. AutoMix): method | seeds | top-1 | minus A,
paired | B minus method, paired | step time, sorted by top-1, B's row in bold, method
names from ``--labels`` (a JSON object config name → label; others keep the config
name), and the two mask columns where a learned mixup logged them. A paired cell reads
"mean [95 % interval] (ahead/behind/level)", the verdict on the column's first term;
one seed gives "(1 seed)" and no interval. ``--per-seed`` gives each seed's value and
differences instead. The table replaces what lies between ``<!-- NAME -->`` (the
opening line may go on after the name) and ``<!-- /NAME -->`` in ``--into``.

``results`` writes, from the same two JSONs, each method's ``Top 1 Accuracy`` and note
into the ``Results`` block its metafile entry already has (the entry named like the
config): the seeds' values and std, the statistic, the EMA model θ_k where the run has
two, the difference to A and B paired by seed with the same verdicts as ``summary``,
and the cited document. Rows with marked cells, and methods without such an entry, are
listed and left as they are; every other line of the metafiles stays as it was.
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time

from benchmark import masks as mask_columns
from benchmark.stats import interval_text, paired_interval, turned

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# top-1 keys: AutoMixAccuracy's EMA and online models; mmpretrain's Accuracy for the rest
EMA, ONLINE, PLAIN = 'accuracy_ema/top1', 'accuracy_online/top1', 'accuracy/top1'
# logged by AutoMix with its losses: within-mask spatial std, |mean(M_j) − (1 − λ)|
MASK_KEYS = mask_columns.KEYS
# keys that differ between the seeds of one method without changing the recipe
SEED_KEYS = ('randomness', 'work_dir', 'launcher', 'resume', 'load_from', 'env_cfg')
NOT_RECIPE_KEYS = ('default_hooks', 'visualizer', 'vis_backends', 'log_processor',
                   'log_level', 'model_wrapper_cfg')


# -- run ----------------------------------------------------------------------------------
def run_dir(work_root, config, seed):
    return osp.join(work_root, osp.splitext(osp.basename(config))[0], f'seed{seed}')


def _finished(work_dir):
    """Whether `run` finished this run (its run.json records exit 0)."""
    marker = osp.join(work_dir, 'run.json')
    if not osp.isfile(marker):
        return False
    with open(marker) as f:
        return json.load(f).get('returncode') == 0


def run_one(config, seed, work_dir, cfg_options):
    """Train ``config`` with ``seed`` into ``work_dir`` unless it finished already."""
    marker = osp.join(work_dir, 'run.json')
    if _finished(work_dir):
        print(f'[table] done already: {work_dir}', flush=True)
        return 0
    resume = ['--resume'] if glob.glob(osp.join(work_dir, '*.pth')) else []
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
           '--work-dir', work_dir, *resume,
           '--cfg-options', f'randomness.seed={seed}', *cfg_options]
    # a small parent measures the training process's peak RSS (workers included)
    # (the trainer's stdout joins its stderr in train_output.log: the wrapper's stdout
    # carries only the JSON line)
    wrapper = ('import json, resource, subprocess, sys; '
               'rc = subprocess.call(sys.argv[1:], stdout=sys.stderr); '
               'print(json.dumps(dict(returncode=rc, peak_rss_mb=resource.getrusage('
               'resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))')
    os.makedirs(work_dir, exist_ok=True)
    print(f'[table] {"resuming" if resume else "training"}: {work_dir}', flush=True)
    t0 = time.time()
    with open(osp.join(work_dir, 'train_output.log'), 'a') as log:
        proc = subprocess.run([sys.executable, '-c', wrapper, *cmd], stdout=subprocess.PIPE,
                              stderr=log, text=True)
    lines = proc.stdout.strip().splitlines()
    if lines:
        result = json.loads(lines[-1])
    else:   # the wrapper itself was killed: record the failure and go on with the rest
        result = dict(returncode=proc.returncode or -1, peak_rss_mb=None)
    result.update(config=config, seed=seed, command=cmd, wall_s=round(time.time() - t0, 1))
    with open(marker, 'w') as f:
        json.dump(result, f, indent=1)
    return result['returncode']


def _clock(seconds):
    seconds = int(round(seconds))
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


def queue_progress(position, total, skipped, walls, elapsed):
    """'[table] queue: run 4 of 10 (2 done before, skipped); 1 trained in 0:14:10,
    elapsed 0:14:12, ETA 1:39:10 for 7 more' — the ETA from the mean wall time of the
    runs this queue trained (none yet: unknown)."""
    left = total - position + 1
    text = (f'[table] queue: run {position} of {total} ({skipped} done before, skipped); '
            f'{len(walls)} trained in {_clock(sum(walls))}, elapsed {_clock(elapsed)}')
    if walls:
        text += f', ETA {_clock(left * sum(walls) / len(walls))} for {left} more'
    else:
        text += f', ETA unknown until a run finishes ({left} to go)'
    return text


def cmd_run(args):
    failed, walls, t0 = [], [], time.time()
    queue = [(c, s) for c in args.configs for s in args.seeds]
    todo = [(c, s) for c, s in queue if not _finished(run_dir(args.work_root, c, s))]
    skipped = len(queue) - len(todo)
    for c, s in queue:
        if (c, s) not in todo:
            print(f'[table] skipping (finished before): {osp.basename(c)} seed {s}', flush=True)
    for position, (config, seed) in enumerate(todo, 1):
        print(queue_progress(position, len(todo), skipped, walls, time.time() - t0),
              flush=True)
        started = time.time()
        rc = run_one(config, seed, run_dir(args.work_root, config, seed),
                     args.cfg_options or [])
        walls.append(time.time() - started)
        print(f'[table] finished {osp.basename(config)} seed {seed} in '
              f'{_clock(walls[-1])} (exit {rc})', flush=True)
        if rc:
            failed.append((config, seed, rc))
    for config, seed, rc in failed:
        print(f'[table] FAILED (exit {rc}): {config} seed {seed}')
    return 1 if failed else 0


# -- reading logs -----------------------------------------------------------------------------
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


# -- the table ---------------------------------------------------------------------------------
def _median_last(values, n):
    return statistics.median(values[-n:]) if values else None


def _mean_std(values):
    if not values:
        return None, None
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarise(runs, last):
    for r in runs:
        r['median_top1'] = _median_last(r['top1'], last)
        r['median_online_top1'] = _median_last(r['online_top1'], last) \
            if r['online_top1'] else None
    methods = {}
    for r in runs:
        methods.setdefault(r['method'], []).append(r)
    rows = []
    for name, group in methods.items():
        good = [r for r in group if 'problem' not in r]
        notes = [f'seed {r["seed"]}: {r["problem"]}' for r in group if 'problem' in r]
        # the epoch each seed's training ended at (how often a run validated on the way
        # does not matter: the statistic is the median of its last validations)
        n_epochs = sorted({r['epochs'][-1] for r in good if r['epochs']})
        if len(n_epochs) > 1:
            notes.append(f'seeds ran different numbers of epochs {n_epochs}: not averaged')
        recipes = sorted({r['recipe'] for r in good if r['recipe']})
        if len(recipes) > 1:
            notes.append(f'runs of different configs ({len(recipes)} recipes): not averaged')
        comparable = good if len(n_epochs) <= 1 and len(recipes) <= 1 else []
        row = dict(method=name, seeds=sorted(r['seed'] for r in comparable
                                             if r['seed'] is not None),
                   n=len(comparable), notes=notes,
                   data=sorted({r.get('data') for r in comparable if r.get('data')}),
                   per_seed={r['seed']: r['median_top1'] for r in comparable
                             if r['seed'] is not None and r['median_top1'] is not None})
        for key in ('median_top1', 'median_online_top1', 's_per_iter', 'peak_mem_mb'):
            vals = [r[key] for r in comparable if r.get(key) is not None]
            row[key] = _mean_std(vals) if vals else (None, None)
        row['masks'] = mask_columns.recipe_cells(comparable)
        rows.append(row)
    datasets = sorted({d for row in rows for d in row['data']})
    if len(datasets) > 1:      # a table over other data: no row is compared with another
        for row in rows:
            row['notes'].append(f'the table mixes training data ({len(datasets)}: '
                                f'{"; ".join(datasets)}); this row: {"; ".join(row["data"])}')
    return rows


def paired(rows, reference):
    """Per row, the paired difference ``reference − row`` of the per-seed top-1 (same
    seed: same subset, same initial weights, same data order), over the seeds both
    have: the values, their range and ``benchmark.stats.paired_interval`` (mean, std,
    95 % interval and the verdict on the reference: ahead, behind, level or 1 seed).
    Rows on other training data than the reference are marked instead."""
    ref = next((r for r in rows if r['method'] == reference), None)
    if ref is None:
        raise KeyError(f'--paired-to {reference!r}: no such method; methods: '
                       f'{sorted(r["method"] for r in rows)}')
    for row in rows:
        if row is ref:
            row['paired'] = dict(reference=True)
            continue
        if row['data'] and ref['data'] and row['data'] != ref['data']:
            row['paired'] = dict(problem=f'other training data than {reference}: '
                                 'not paired')
            continue
        seeds = sorted(set(row['per_seed']) & set(ref['per_seed']))
        diffs = [ref['per_seed'][s] - row['per_seed'][s] for s in seeds]
        if not diffs:
            row['paired'] = dict(problem=f'no seed in common with {reference}')
            continue
        row['paired'] = dict(seeds=seeds, diffs=diffs, min=min(diffs), max=max(diffs),
                             **paired_interval(diffs))
    return rows


def by_top1(rows):
    """The rows sorted by mean top-1, highest first (rows without one last)."""
    return sorted(rows, key=lambda r: -(r['median_top1'][0] if r['median_top1'][0]
                                        is not None else float('-inf')))


def _cost_cell(row):
    return '–' if row.get('step_cost') is None else f'{row["step_cost"]:.2f}'


def _cell(mean_std, fmt='{:.2f}'):
    mean, std = mean_std
    if mean is None:
        return '–'
    return f'{fmt.format(mean)} ± {fmt.format(std)}'


def _paired_cell(p):
    if not p:
        return '–'
    if p.get('reference'):
        return '(reference)'
    if 'problem' in p:
        return p['problem']
    values = ' / '.join(f'{d:+.2f}' for d in p['diffs'])
    return f'{interval_text(p)}; seeds {values}'


def _mask_keys(rows):
    """The mask statistics some row has: the two columns, and the attention entropy
    where a run logged it."""
    keys = [k for k in MASK_KEYS if any((r.get('masks') or {}).get(k) for r in rows)]
    if keys:
        keys += [k for k in mask_columns.OPTIONAL
                 if any((r.get('masks') or {}).get(k) for r in rows)]
    return keys


MASK_HEADS = dict(mask_spatial_std='mask spatial std',
                  mask_lam_error='|mean(M_j) − (1 − λ)|',
                  mask_attn_entropy='attention entropy / uniform')


def _mask_cells(row, keys):
    return [mask_columns.cell((row.get('masks') or {}).get(key), row['n']) for key in keys]


def step_cost(rows, paths):
    """Give each row the step-time ratio ``tools/benchmark_configs.py`` measured for its
    config (``row['step_cost']``, None where it measured none); returns the reference
    config's name. Several JSON files are read as one when they share the reference (a
    config in more than one: the first file's value); different references refuse."""
    configs, reference = {}, None
    for path in paths:
        with open(path) as f:
            cost = json.load(f)
        if reference not in (None, cost['reference']):
            raise SystemExit(f'--step-cost: {path} is a ratio to {cost["reference"]}, '
                             f'{paths[0]} to {reference}; expected one reference config')
        reference = cost['reference']
        for name, measured in cost['configs'].items():
            configs.setdefault(name, measured)
    for row in rows:
        row['step_cost'] = (configs.get(row['method']) or {}).get('x_ref')
    return reference


def markdown(rows, last, title, reference=None, skipped=(), cost_reference=None):
    online = any(r['median_online_top1'][0] is not None for r in rows)
    head = ['method', 'seeds', f'top-1 %, median of last {last} (EMA θ_k for AutoMix)']
    if online:
        head.append(f'online θ_q top-1 %, median of last {last}')
    if reference:
        head.append(f'{reference} − method, paired by seed: mean [95 % interval]')
    if cost_reference:
        head.append(f'step time x {cost_reference}')
    mask_keys = _mask_keys(rows)
    with_masks = bool(mask_keys)
    head += [MASK_HEADS[k] for k in mask_keys]
    head += ['s / iter', 'peak memory MB', 'marked']
    lines = [f'# {title}', '', '| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in rows:
        cells = [r['method'], str(r['n']), _cell(r['median_top1'])]
        if online:
            cells.append(_cell(r['median_online_top1']))
        if reference:
            cells.append(_paired_cell(r.get('paired')))
        if cost_reference:
            cells.append(_cost_cell(r))
        cells += _mask_cells(r, mask_keys)
        cells += [_cell(r['s_per_iter'], '{:.3f}'), _cell(r['peak_mem_mb'], '{:.0f}'),
                  '; '.join(r['notes']) or '']
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['', 'mean ± std over seeds (n = seeds averaged); std of one seed is 0.']
    if reference:
        lines += ['Paired: for each seed both rows ran, the reference\'s top-1 minus the '
                  'row\'s; the mean and its 95 % interval (Student\'s t on the per-seed '
                  'differences, n − 1 degrees of freedom); "ahead"/"behind" when the '
                  'interval excludes 0, "level" when it does not, "1 seed" without one.']
    if with_masks:
        lines += [f'Masks (learned mixups only): the Mix Block branch\'s masks at the end of '
                  f'training, mean of the last {mask_columns.LAST} logged values per seed, '
                  'mean ± std over seeds; spatial std 0 is a flat mask (a learned global '
                  'mixup); n/a: the run logged none.']
    if cost_reference:
        lines += [f'Step time: one training step of each config (model, data preprocessor '
                  f'and optimizer of the config, random images of its size), timed side by '
                  f'side in one process (tools/benchmark_configs.py), as a ratio to '
                  f'{cost_reference}\'s; s / iter is what each training logged, beside '
                  f'whatever else the host ran.']
    if skipped:
        lines += ['', 'Files skipped:', ''] + [f'- `{p}`: {why}' for p, why in skipped]
    return '\n'.join(lines) + '\n'


def short_names(names):
    """Picture labels: the names without what all of them share (a common suffix such
    as ``-100e_fmnist2k`` and the longest common part such as ``resnet18-w16_1xb100``);
    a name left empty keeps its shared part."""
    names = list(names)
    if len(names) < 2:
        return {n: n for n in names}
    suffix = os.path.commonprefix([n[::-1] for n in names])[::-1]
    cut = [n[:len(n) - len(suffix)] for n in names]
    first = min(cut, key=len)
    common = ''
    for i in range(len(first)):
        for j in range(len(first), i + len(common), -1):
            if all(first[i:j] in c for c in cut):
                common = first[i:j]
                break
    if len(common) < 6:
        common = ''
    short = {}
    for name, c in zip(names, cut):
        label = re.sub(r'[-_]{2,}', '-', c.replace(common, '-', 1) if common else c)
        short[name] = label.strip('-_') or c or name
    return short


def _separate_labels(fig, ax, step=8, tries=12):
    """Moves each point label of ``ax`` down in steps of ``step`` points until it
    overlaps no label placed before it (methods at nearly the same cost and top-1 would
    otherwise print over each other)."""
    fig.canvas.draw()
    renderer, placed = fig.canvas.get_renderer(), []
    labels = sorted(ax.texts, key=lambda t: (-t.xy[1], t.xy[0]))
    for text in labels:
        for _ in range(tries):
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            x, y = text.get_position()
            text.set_position((x, y - step))
        placed.append(text.get_window_extent(renderer))


def plots(runs, rows, out, cost_reference=None):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.set_prop_cycle(color=plt.cm.tab20.colors)    # 20 distinct colours: one per method
    for row in rows:
        group = [r for r in runs if r['method'] == row['method'] and 'problem' not in r
                 and r['top1']]
        if not group:
            continue
        epochs = sorted(set.intersection(*(set(r['epochs']) for r in group)))
        curves = [[dict(zip(r['epochs'], r['top1']))[e] for e in epochs] for r in group]
        mean = [statistics.mean(v) for v in zip(*curves)]
        line, = ax.plot(epochs, mean, label=f'{row["method"]} (n={len(group)})')
        ax.fill_between(epochs, [min(v) for v in zip(*curves)],
                        [max(v) for v in zip(*curves)], alpha=0.2, color=line.get_color())
    ax.set_xlabel('epoch')
    ax.set_ylabel('validation top-1 (%)')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out + '_curves.png', dpi=120)
    plt.close(fig)
    label = short_names(r['method'] for r in rows)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for row in rows:
        (acc, acc_sd), (sec, sec_sd) = row['median_top1'], row['s_per_iter']
        if cost_reference:
            sec, sec_sd = row.get('step_cost'), None
        if acc is None or sec is None:
            continue
        ax.errorbar(sec, acc, xerr=sec_sd, yerr=acc_sd, fmt='o', capsize=3)
        ax.annotate(label[row['method']], (sec, acc), fontsize=7, xytext=(4, 4),
                    textcoords='offset points')
    _separate_labels(fig, ax)
    ax.set_xlabel(f'training step time x {label.get(cost_reference, cost_reference)} '
                  '(one process, side by side)'
                  if cost_reference else 'seconds per training iteration')
    ax.set_ylabel('top-1 (%), mean ± std over seeds')
    fig.tight_layout()
    fig.savefig(out + '_cost.png', dpi=120)
    plt.close(fig)
    bars = [r for r in rows if r['median_top1'][0] is not None]
    if bars:     # one bar per method, sorted; each seed's value as a point
        bars.sort(key=lambda r: r['median_top1'][0])
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(bars) + 1.2))
        pos = range(len(bars))
        means = [r['median_top1'][0] for r in bars]
        ax.barh(list(pos), means, xerr=[r['median_top1'][1] for r in bars],
                color='#9ecae1', capsize=3)
        for i, r in enumerate(bars):
            seeds = list(r['per_seed'].values())
            ax.plot(seeds, [i] * len(seeds), 'o', color='#08519c', markersize=4)
        ax.set_yticks(list(pos))
        ax.set_yticklabels([f'{label[r["method"]]} (n={r["n"]})' for r in bars], fontsize=7)
        lo = min(min(r['per_seed'].values(), default=m) for r, m in zip(bars, means))
        hi = max(max(r['per_seed'].values(), default=m) for r, m in zip(bars, means))
        ax.set_xlim(lo - 0.15 * (hi - lo + 1), hi + 0.15 * (hi - lo + 1))
        ax.set_xlabel('top-1 (%): bar = mean over seeds (± std), points = seeds')
        fig.tight_layout()
        fig.savefig(out + '_bars.png', dpi=120)
        plt.close(fig)
    masks_plot(runs, rows, out)


def masks_plot(runs, rows, out):
    """PREFIX_masks.png: per learned recipe one line over training iterations (the mean
    over its seeds at the iterations all of them logged) with the seeds' range as a
    band, for the spatial std and |mean(M_j) − (1 − λ)|; the legend outside the axes."""
    import matplotlib.pyplot as plt
    recipes = []
    for row in rows:
        group = [r for r in runs if r['method'] == row['method'] and r.get('mask_stats')
                 and 'problem' not in r]
        if group:
            recipes.append((row['method'], group))
    if not recipes:
        return
    label = short_names(m for m, _ in recipes)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    colours = plt.cm.tab10.colors
    for i, (method, group) in enumerate(recipes):
        per_run = [{rec[0]: rec[1:] for rec in r['mask_stats']} for r in group]
        steps = sorted(set.intersection(*(set(p) for p in per_run)))
        if not steps:
            continue
        for k, ax in enumerate(axes):
            values = [[p[s][k] for p in per_run] for s in steps]
            colour = colours[i % len(colours)]
            ax.plot(steps, [statistics.mean(v) for v in values], color=colour,
                    label=f'{label[method]} (n={len(group)})')
            if len(group) > 1:
                ax.fill_between(steps, [min(v) for v in values], [max(v) for v in values],
                                color=colour, alpha=0.2, linewidth=0)
    axes[0].set_ylabel('within-mask spatial std of M_j')
    axes[1].set_ylabel('|mean(M_j) - (1 - lambda)|')
    for ax in axes:
        ax.set_xlabel('training iteration')
    axes[1].legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    fig.savefig(out + '_masks.png', dpi=120)
    plt.close(fig)


def cmd_archive(args):
    """Copy what ``collect`` reads of every finished run (its config, ``run.json`` and
    scalar logs; no checkpoint, no picture) from WORK_ROOT to DEST, keeping the layout:
    DEST can be collected, and copied back into a work root, where ``run`` then skips
    those runs."""
    import shutil
    copied = 0
    for marker in sorted(glob.glob(osp.join(args.work_root, '**', 'run.json'),
                                   recursive=True)):
        work_dir = osp.dirname(marker)
        if not _finished(work_dir):
            continue
        files = [marker, *glob.glob(osp.join(work_dir, '*.py')),
                 *glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))]
        for path in files:
            dest = osp.join(args.dest, osp.relpath(path, args.work_root))
            os.makedirs(osp.dirname(dest), exist_ok=True)
            shutil.copyfile(path, dest)
        copied += 1
    print(f'[table] archived {copied} finished runs of {args.work_root} in {args.dest}')
    return 0


def cmd_collect(args):
    skipped = []
    runs = find_runs(args.dirs, skipped)
    for path, why in skipped:
        print(f'[table] skipped {path}: {why}')
    if not runs:
        print(f'[table] no runs under {args.dirs}')
        return 1
    rows = by_top1(summarise(runs, args.last))
    if args.paired_to:
        paired(rows, args.paired_to)
    cost_reference = step_cost(rows, args.step_cost) if args.step_cost else None
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    text = markdown(rows, args.last, args.title, args.paired_to, skipped, cost_reference)
    with open(args.out + '.md', 'w') as f:
        f.write(text)
    with open(args.out + '.json', 'w') as f:
        json.dump(dict(last=args.last, paired_to=args.paired_to, runs=runs, methods=rows,
                       step_cost_reference=cost_reference, skipped=skipped),
                  f, indent=1, default=str)
    plots(runs, rows, args.out, cost_reference)
    print(text)
    print(f'[table] wrote {args.out}.md, .json, _curves.png, _cost.png, _bars.png'
          + (', _masks.png' if any(r.get('mask_stats') for r in runs) else ''))
    return 0


# -- summary ------------------------------------------------------------------------------
def _verdict_cell(p, sign=1):
    """'+1.52 [+1.05, +1.99] (ahead)' for a paired difference reference − row (``sign``
    −1: row − reference; the verdict is on the first term); '–' for the reference."""
    if not p or p.get('reference') or 'problem' in p:
        return '–' if not p or p.get('reference') else p['problem']
    return interval_text(p, sign)


def _seed_cells(p, seeds, sign=1):
    """'+2.10 / +1.64 / –' and '+1.94 [+1.29, +2.59] (ahead)'."""
    if not p or p.get('reference') or 'problem' in p:
        return ['–', '–']
    by_seed = {int(s): sign * d for s, d in zip(p['seeds'], p['diffs'])}
    values = ' / '.join(f'{by_seed[s]:+.2f}' if s in by_seed else '–' for s in seeds)
    return [values, interval_text(p, sign)]


def summary_table(table_a, table_b, labels, per_seed=False, methods=None):
    """The compact table (markdown lines) of two collect JSONs of the same runs; only the
    rows of ``methods`` (config names) when given."""
    a_rows = {r['method']: r for r in table_a['methods']}
    b_rows = {r['method']: r for r in table_b['methods']}
    if set(a_rows) != set(b_rows):
        raise SystemExit(f'summary: the two tables hold different methods: '
                         f'{sorted(set(a_rows) ^ set(b_rows))}; expected the same runs')
    ref_a, ref_b = table_a['paired_to'], table_b['paired_to']
    if not (ref_a and ref_b):
        raise SystemExit('summary: both tables must be collected with --paired-to')
    name = lambda m: labels.get(m, m)   # noqa: E731
    if methods:
        unknown = sorted(set(methods) - set(a_rows))
        if unknown:
            raise SystemExit(f'summary: --methods {unknown} are not in the tables; '
                             f'expected some of {sorted(a_rows)}')
    rows = by_top1(r for m, r in a_rows.items() if not methods or m in methods)
    cost = any(r.get('step_cost') is not None for r in rows)
    cost_ref = table_a.get('step_cost_reference')
    seeds = sorted({int(s) for r in rows for s in r['per_seed']})
    mask_keys = _mask_keys(rows)
    if per_seed:
        head = ['method', f'seeds {" / ".join(map(str, seeds))}', 'mean ± std',
                f'minus {name(ref_a)}, paired by seed', 'mean [95 % interval]',
                f'{name(ref_b)} minus method, paired by seed', 'mean [95 % interval]']
    else:
        head = ['method', 'seeds', 'top-1 %', f'minus {name(ref_a)}, paired [95 %]',
                f'{name(ref_b)} minus method, paired [95 %]']
    if cost:
        head.append(f'step time x {name(cost_ref)}')
    head += [MASK_HEADS[k] for k in mask_keys]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        method = name(r['method'])
        if r['method'] == ref_b:
            method = f'**{method}**'
        mean, std = r['median_top1']
        per = {int(k): v for k, v in r['per_seed'].items()}
        top1 = ('–' if mean is None else f'{mean:.2f} ± {std:.2f}' if r['n'] > 1
                else f'{mean:.2f}')
        pa, pb = a_rows[r['method']].get('paired'), b_rows[r['method']].get('paired')
        if per_seed:
            cells = [method, ' / '.join(f'{per[s]:.2f}' if s in per else '–' for s in seeds),
                     top1 if r['n'] > 1 else f'({r["n"]} seed)',
                     *_seed_cells(pa, seeds, -1), *_seed_cells(pb, seeds)]
        else:
            cells = [method, str(r['n']), top1, _verdict_cell(pa, -1), _verdict_cell(pb)]
        if cost:
            cells.append(_cost_cell(r))
        cells += _mask_cells(r, mask_keys)
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def replace_between_markers(text, marker, lines):
    """``text`` with the lines between ``<!-- marker ...-->`` and ``<!-- /marker -->``
    replaced by ``lines``."""
    start = re.search(rf'^<!-- {re.escape(marker)}\b.*-->\n', text, re.M)
    end = re.search(rf'^<!-- /{re.escape(marker)} -->$', text, re.M)
    if not start or not end or end.start() < start.end():
        raise SystemExit(f'summary: no <!-- {marker} --> ... <!-- /{marker} --> block '
                         'in --into; expected both markers, each on its own line')
    return text[:start.end()] + '\n'.join(lines) + '\n' + text[end.start():]


def cmd_summary(args):
    tables = []
    for path in (args.table, args.table_b):
        with open(path) as f:
            tables.append(json.load(f))
    labels = {}
    if args.labels:
        with open(args.labels) as f:
            labels = json.load(f)
    lines = summary_table(*tables, labels, per_seed=args.per_seed, methods=args.methods)
    with open(args.into) as f:
        text = f.read()
    with open(args.into, 'w') as f:
        f.write(replace_between_markers(text, args.marker, lines))
    print('\n'.join(lines))
    print(f'[table] wrote the table into {args.into} (<!-- {args.marker} -->)')
    return 0


# -- results ------------------------------------------------------------------------------
def _paired_phrase(p, sign, versus):
    """'+1.52 on vanilla paired by seed (95 % interval [+1.05, +1.99]: ahead)' for a
    paired difference reference − row (``sign`` −1: row − reference); None for the
    reference itself. ``versus`` formats the difference: '{d} on vanilla' or
    'AutoMix minus it {d}'."""
    if not p or p.get('reference') or 'problem' in p:
        return None if not p or p.get('reference') else p['problem']
    text = versus.format(d=f'{sign * p["mean"]:+.2f}')
    if p['n'] == 1:
        return f'{text} on the same seed (1 seed: no interval)'
    _, low, high, verdict = turned(p, sign)
    return (f'{text} paired by seed (95 % interval [{low:+.2f}, {high:+.2f}], {p["n"]} '
            f'seeds: {verdict})')


def results_note(row_a, row_b, labels, ref_a, ref_b, last, evaluated_on, cite):
    """A metafile ``Results`` note for one method from its rows of the two collected
    tables (paired to A, paired to B): the seeds' values and spread, the statistic, the
    model it scores, both paired differences with their verdicts, and where the table is."""
    per = [row_a['per_seed'][s] for s in sorted(row_a['per_seed'], key=int)]
    seeds = sorted(int(s) for s in row_a['per_seed'])
    if len(per) == 1:
        head = f'seed {seeds[0]} only ({per[0]:.2f})'
    else:
        head = (f'mean of {len(per)} seeds ({", ".join(f"{v:.2f}" for v in per)}; '
                f'std {row_a["median_top1"][1]:.2f})')
    parts = [f'measured by mmautomix: {head}, median of the last {last} validations '
             f'on {evaluated_on}'
             + (', EMA model θ_k' if row_a['median_online_top1'][0] is not None else '')]
    name = lambda m: labels.get(m, m)   # noqa: E731
    for phrase in (_paired_phrase(row_a.get('paired'), -1, '{d} on ' + name(ref_a)),
                   _paired_phrase(row_b.get('paired'), 1, name(ref_b) + ' minus it {d}')):
        if phrase:
            parts.append(phrase)
    return '; '.join(parts) + f' ({cite})'


def write_results(text, model, top1, note):
    """``text`` (a metafile) with model's ``Results`` top-1 and note replaced; None when
    the model has no entry or its entry no ``Results`` block to write into."""
    block = re.search(rf'^- Name: {re.escape(model)}\n(?:(?!- Name: ).*\n?)*', text, re.M)
    if not block:
        return None
    entry = block.group(0)
    results = re.search(r'^  Results:\n(?:(?!- Name: ).*\n?)*', entry, re.M)
    if not results:
        return None
    quoted = "'" + note.replace("'", "''") + "'"
    body, n_top1 = re.subn(r'^(      Top 1 Accuracy: ).*$',
                           lambda m: f'{m.group(1)}{top1:.2f}', results.group(0), count=1,
                           flags=re.M)
    body, n_note = re.subn(r'^(    Notes: ).*$', lambda m: m.group(1) + quoted, body,
                           count=1, flags=re.M)
    if not (n_top1 and n_note):
        return None
    entry = entry[:results.start()] + body + entry[results.end():]
    return text[:block.start()] + entry + text[block.end():]


def cmd_results(args):
    import yaml
    with open(args.table) as f:
        table_a = json.load(f)
    with open(args.table_b) as f:
        table_b = json.load(f)
    if not (table_a['paired_to'] and table_b['paired_to']):
        raise SystemExit('results: both tables must be collected with --paired-to')
    labels = {}
    if args.labels:
        with open(args.labels) as f:
            labels = json.load(f)
    b_rows = {r['method']: r for r in table_b['methods']}
    texts = {}
    for path in args.metafiles:
        with open(path) as f:
            texts[path] = f.read()
    written, left = [], []
    for row in by_top1(table_a['methods']):
        method = row['method']
        if row['notes'] or not row['per_seed'] or method not in b_rows:
            left.append(f'{method}: {"; ".join(row["notes"]) or "no complete run"}')
            continue
        note = results_note(row, b_rows[method], labels, table_a['paired_to'],
                            table_b['paired_to'], table_a['last'], args.evaluated_on,
                            args.cite)
        for path, text in texts.items():
            new = write_results(text, method, row['median_top1'][0], note)
            if new is not None:
                entry = next(e for e in yaml.safe_load(new)['Models'] if e['Name'] == method)
                assert entry['Results'][0]['Notes'] == note, method   # round trip
                texts[path] = new
                written.append(f'{method} ({path}): {row["median_top1"][0]:.2f}')
                break
        else:
            left.append(f'{method}: no metafile entry with a Results block')
    for path, text in texts.items():
        with open(path, 'w') as f:
            f.write(text)
    print('\n'.join(['[results] wrote:'] + written + ['[results] left as they are:'] + left))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('run', help='train configs x seeds (resumable)')
    p.add_argument('configs', nargs='+')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--work-root', default='work_dirs/table')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='passed to tools/train.py for every run')
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser('archive', help='copy the logs of finished runs (no checkpoints)')
    p.add_argument('work_root')
    p.add_argument('dest')
    p.set_defaults(fn=cmd_archive)
    p = sub.add_parser('collect', help='one table from work directories and logs')
    p.add_argument('dirs', nargs='+')
    p.add_argument('--last', type=int, default=1,
                   help='median over the last N validation epochs')
    p.add_argument('--out', default='work_dirs/table/table')
    p.add_argument('--title', default='Benchmark table')
    p.add_argument('--paired-to', metavar='METHOD',
                   help='add the paired per-seed difference of METHOD to every row')
    p.add_argument('--step-cost', metavar='JSON', nargs='+',
                   help='the step-time ratios of tools/benchmark_configs.py --out (one or '
                   'more files with the same reference config)')
    p.set_defaults(fn=cmd_collect)
    p = sub.add_parser('summary', help='the compact table of two collected tables '
                       '(paired to A, paired to B) into a markdown file')
    p.add_argument('table', help='collect JSON paired to A (e.g. vanilla)')
    p.add_argument('table_b', help='collect JSON of the same runs paired to B (e.g. AutoMix)')
    p.add_argument('--labels', help='JSON object: config name -> label')
    p.add_argument('--into', required=True, help='the markdown file to write into')
    p.add_argument('--marker', default='regime-table')
    p.add_argument('--per-seed', action='store_true',
                   help="each seed's top-1 and paired differences")
    p.add_argument('--methods', nargs='+',
                   help='only these methods (config names); default: every one')
    p.set_defaults(fn=cmd_summary)
    p = sub.add_parser('results', help="write each method's metafile Results (top-1 "
                       'and note) from two collected tables (paired to A, to B)')
    p.add_argument('table', help='collect JSON paired to A (e.g. vanilla)')
    p.add_argument('table_b', help='collect JSON of the same runs paired to B (e.g. AutoMix)')
    p.add_argument('--metafiles', nargs='+', required=True)
    p.add_argument('--labels', help='JSON object: config name -> label')
    p.add_argument('--evaluated-on', required=True,
                   help="what the top-1 is measured on, e.g. 'the 10,000 test images'")
    p.add_argument('--cite', required=True,
                   help='the document that holds the table, e.g. docs/benchmarks/x.md')
    p.set_defaults(fn=cmd_results)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == '__main__':
    sys.exit(main())
