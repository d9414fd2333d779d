"""Benchmark tables from real runs: configs × seeds, then one table with honest statistics.

    python tools/benchmark_table.py run CONFIG [CONFIG ...] --seeds 0 1 2 \\
        --work-root work_dirs/table [--cfg-options key=value ...]
    python tools/benchmark_table.py collect DIR [DIR ...] --last 1 \\
        --out docs/benchmarks/table [--title TEXT]

``run`` trains every config with every seed, one after another, through
``tools/train.py`` into ``WORK_ROOT/<config name>/seed<k>/``. It is resumable: a run
that finished (its ``run.json`` says so) is not run again, and an interrupted one
continues from its latest checkpoint (``--resume``). ``run.json`` also records the
command, the wall time and the peak RSS of the training process and its workers.

``collect`` reads any work directories (ours, or a user's multi-GPU CIFAR/ImageNet
runs: every folder below DIR holding mmengine's ``<time>/vis_data/scalars.json``)
and OpenMixup's ``*.log.json`` logs, so published official logs sit beside ours. Per
run: the median top-1 of the last N validation epochs (N = ``--last``), for AutoMix the
EMA model θ_k and the online model θ_q as two separate columns (OpenMixup logs: the
one-hot heads ``acc_one_k`` and ``acc_one_q``; never a maximum over heads), the median
seconds per training iteration and the peak memory (``memory`` of the log on a GPU,
``run.json``'s peak RSS on the CPU). Per method: mean ± std over seeds and the number
of seeds. A run without a log, a run that stopped before its last epoch, seeds with
different numbers of epochs and runs of one method whose configs differ (other than
the seed) are shown as marked cells with the reason, never averaged in silently.

Writes PREFIX.md (the table), PREFIX.json (every per-run value) and pictures:
PREFIX_curves.png (validation top-1 per epoch per method, mean and the seeds' range),
PREFIX_cost.png (top-1 against seconds per iteration) and, when AutoMix runs logged
them, PREFIX_masks.png (the Mix Block's within-mask spatial std and
|mean(M_j) − (1 − λ)| over training: flat masks mean a learned global mixup).
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

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# top-1 keys: AutoMixAccuracy's EMA and online models; mmpretrain's Accuracy for the rest
EMA, ONLINE, PLAIN = 'accuracy_ema/top1', 'accuracy_online/top1', 'accuracy/top1'
# logged by AutoMix with its losses: within-mask spatial std, |mean(M_j) − (1 − λ)|
MASK_KEYS = ('mask_spatial_std', 'mask_lam_error')
# keys that differ between the seeds of one method without changing the recipe
SEED_KEYS = ('randomness', 'work_dir', 'launcher', 'resume', 'load_from', 'env_cfg')
NOT_RECIPE_KEYS = ('default_hooks', 'visualizer', 'vis_backends', 'log_processor',
                   'log_level', 'model_wrapper_cfg')


# -- run ----------------------------------------------------------------------------------
def run_dir(work_root, config, seed):
    return osp.join(work_root, osp.splitext(osp.basename(config))[0], f'seed{seed}')


def run_one(config, seed, work_dir, cfg_options):
    """Train ``config`` with ``seed`` into ``work_dir`` unless it finished already."""
    marker = osp.join(work_dir, 'run.json')
    if osp.isfile(marker):
        with open(marker) as f:
            if json.load(f).get('returncode') == 0:
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


def cmd_run(args):
    failed = []
    for config in args.configs:
        for seed in args.seeds:
            rc = run_one(config, seed, run_dir(args.work_root, config, seed),
                         args.cfg_options or [])
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
    worker settings)."""
    from mmengine.config import Config
    cfg = Config.fromfile(cfg_path).to_dict()
    for key in SEED_KEYS + NOT_RECIPE_KEYS:
        cfg.pop(key, None)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(loader), dict):   # how the data is loaded, not which
            for key in ('num_workers', 'persistent_workers', 'pin_memory'):
                cfg[loader].pop(key, None)
    loop = dict(cfg.get('train_cfg') or {})
    if str(loop.get('type', '')).endswith('EpochBasedTrainLoop'):
        loop.pop('type')
        loop['by_epoch'] = True
    cfg['train_cfg'] = loop
    return _digest(json.dumps(cfg, sort_keys=True, default=str))


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
                   recipe=_recipe_digest(configs[0]))
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
                    if MASK_KEYS[0] in rec:       # AutoMix: what its masks look like
                        masks[rec['step']] = [rec[k] for k in MASK_KEYS]
    if masks:
        run['mask_stats'] = [[step, *masks[step]] for step in sorted(masks)]
    if not logs:
        run['problem'] = 'no scalar log (vis_data/scalars.json)'
    return _finish(run, val, times, memory)


def read_openmixup(path):
    """One run from an OpenMixup ``*.log.json`` (first line: env, config, seed)."""
    run = dict(source=path, format='openmixup', seed=None, max_epochs=None, recipe=None,
               method=osp.basename(osp.dirname(path)))
    val, times, memory = {}, [], []
    with open(path) as f:
        for i, line in enumerate(f):
            rec = json.loads(line)
            if i == 0 and 'mode' not in rec:
                run['seed'] = rec.get('seed')
                if rec.get('exp_name'):
                    run['method'] = osp.splitext(rec['exp_name'])[0]
                if rec.get('config'):
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


def find_runs(paths):
    runs, seen = [], set()
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
        for log in sorted(glob.glob(osp.join(root, '**', '*.log.json'), recursive=True)):
            runs.append(read_openmixup(log))
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
        n_epochs = sorted({len(r['epochs']) for r in good})
        if len(n_epochs) > 1:
            notes.append(f'seeds ran different numbers of epochs {n_epochs}: not averaged')
        recipes = sorted({r['recipe'] for r in good if r['recipe']})
        if len(recipes) > 1:
            notes.append(f'runs of different configs ({len(recipes)} recipes): not averaged')
        comparable = good if len(n_epochs) <= 1 and len(recipes) <= 1 else []
        row = dict(method=name, seeds=sorted(r['seed'] for r in comparable
                                             if r['seed'] is not None),
                   n=len(comparable), notes=notes)
        for key in ('median_top1', 'median_online_top1', 's_per_iter', 'peak_mem_mb'):
            vals = [r[key] for r in comparable if r.get(key) is not None]
            row[key] = _mean_std(vals) if vals else (None, None)
        rows.append(row)
    return rows


def _cell(mean_std, fmt='{:.2f}'):
    mean, std = mean_std
    if mean is None:
        return '–'
    return f'{fmt.format(mean)} ± {fmt.format(std)}'


def markdown(rows, last, title):
    online = any(r['median_online_top1'][0] is not None for r in rows)
    head = ['method', 'seeds', f'top-1 %, median of last {last} (EMA θ_k for AutoMix)']
    if online:
        head.append(f'online θ_q top-1 %, median of last {last}')
    head += ['s / iter', 'peak memory MB', 'marked']
    lines = [f'# {title}', '', '| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in rows:
        cells = [r['method'], str(r['n']), _cell(r['median_top1'])]
        if online:
            cells.append(_cell(r['median_online_top1']))
        cells += [_cell(r['s_per_iter'], '{:.3f}'), _cell(r['peak_mem_mb'], '{:.0f}'),
                  '; '.join(r['notes']) or '']
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines += ['', 'mean ± std over seeds (n = seeds averaged); std of one seed is 0.']
    return '\n'.join(lines) + '\n'


def plots(runs, rows, out):
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
        n = min(len(r['top1']) for r in group)
        curves = [r['top1'][:n] for r in group]
        epochs = group[0]['epochs'][:n]
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
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        (acc, acc_sd), (sec, sec_sd) = row['median_top1'], row['s_per_iter']
        if acc is None or sec is None:
            continue
        ax.errorbar(sec, acc, xerr=sec_sd, yerr=acc_sd, fmt='o', capsize=3)
        ax.annotate(row['method'], (sec, acc), fontsize=7, xytext=(4, 4),
                    textcoords='offset points')
    ax.set_xlabel('seconds per training iteration')
    ax.set_ylabel('top-1 (%), mean ± std over seeds')
    fig.tight_layout()
    fig.savefig(out + '_cost.png', dpi=120)
    plt.close(fig)
    with_masks = [r for r in runs if r.get('mask_stats')]
    if with_masks:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for r in with_masks:
            steps, std, err = zip(*r['mask_stats'])
            label = f'{r["method"]} seed {r["seed"]}'
            axes[0].plot(steps, std, label=label)
            axes[1].plot(steps, err, label=label)
        axes[0].set_ylabel('mean within-mask spatial std of M_j')
        axes[1].set_ylabel('mean |mean(M_j) - (1 - lambda)|')
        for ax in axes:
            ax.set_xlabel('training iteration')
        axes[0].legend(fontsize=6)
        fig.tight_layout()
        fig.savefig(out + '_masks.png', dpi=120)
        plt.close(fig)


def cmd_collect(args):
    runs = find_runs(args.dirs)
    if not runs:
        print(f'[table] no runs under {args.dirs}')
        return 1
    rows = summarise(runs, args.last)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    text = markdown(rows, args.last, args.title)
    with open(args.out + '.md', 'w') as f:
        f.write(text)
    with open(args.out + '.json', 'w') as f:
        json.dump(dict(last=args.last, runs=runs, methods=rows), f, indent=1, default=str)
    plots(runs, rows, args.out)
    print(text)
    print(f'[table] wrote {args.out}.md, .json, _curves.png, _cost.png'
          + (', _masks.png' if any(r.get('mask_stats') for r in runs) else ''))
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
    p = sub.add_parser('collect', help='one table from work directories and logs')
    p.add_argument('dirs', nargs='+')
    p.add_argument('--last', type=int, default=1,
                   help='median over the last N validation epochs')
    p.add_argument('--out', default='work_dirs/table/table')
    p.add_argument('--title', default='Benchmark table')
    p.set_defaults(fn=cmd_collect)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == '__main__':
    sys.exit(main())
