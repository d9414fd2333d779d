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
import json
import os
import os.path as osp
import sys
import time

from benchmark.logs import _recipe_digest, find_runs  # noqa: F401 (tests read the digest)
from benchmark.plots import _separate_labels, plots  # noqa: F401
from benchmark.reports import replace_between_markers, results_note, summary_table, write_results
from benchmark.runs import clock, finished, queue_progress, run_dir, run_one
from benchmark.table import (by_top1, markdown, paired, short_names,  # noqa: F401
                             step_cost, summarise)


# -- the commands -------------------------------------------------------------------------
def cmd_run(args):
    failed, walls, t0 = [], [], time.time()
    queue = [(c, s) for c in args.configs for s in args.seeds]
    todo = [(c, s) for c, s in queue if not finished(run_dir(args.work_root, c, s))]
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
              f'{clock(walls[-1])} (exit {rc})', flush=True)
        if rc:
            failed.append((config, seed, rc))
    for config, seed, rc in failed:
        print(f'[table] FAILED (exit {rc}): {config} seed {seed}')
    return 1 if failed else 0


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
        if not finished(work_dir):
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
