"""The table: per method the seeds' statistics, the paired differences, the cells and
the markdown of ``collect``."""
import json
import os
import re
import statistics

from . import masks as mask_columns
from .logs import MASK_KEYS
from .stats import interval_text, paired_interval


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


def cost_cell(row):
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


def logged_mask_keys(rows):
    """The mask statistics some row has: the two columns, and the attention entropy
    where a run logged it."""
    keys = [k for k in MASK_KEYS if any((r.get('masks') or {}).get(k) for r in rows)]
    if keys:
        keys += [k for k in mask_columns.OPTIONAL
                 if any((r.get('masks') or {}).get(k) for r in rows)]
    return keys


MASK_HEADS = dict(mask_spatial_std='mask spatial std',
                  mask_lam_error='λ error \\|mean(M_j) − (1 − λ)\\|',
                  mask_attn_entropy='attention entropy / uniform')


def mask_cells(row, keys):
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
    mask_keys = logged_mask_keys(rows)
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
            cells.append(cost_cell(r))
        cells += mask_cells(r, mask_keys)
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
