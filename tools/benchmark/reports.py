"""Reports from two collected tables (paired to A and to B): the compact summary table
between a markdown file's markers, and each method's metafile Results note."""
import re

import yaml

from .stats import interval_text, turned
from .table import MASK_HEADS, by_top1, cost_cell, logged_mask_keys, mask_cells


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
    mask_keys = logged_mask_keys(rows)
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
            cells.append(cost_cell(r))
        cells += mask_cells(r, mask_keys)
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


def dump_metafile(data) -> str:
    """A metafile's text as the project writes every classification metafile: PyYAML's
    block style, keys in their order, no line wrapping (``load`` then ``dump`` of such a
    file gives it back unchanged)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10 ** 6)


def write_results(text, model, top1, note):
    """``text`` (a metafile) with model's ``Results`` top-1 and note replaced, through a
    YAML parser; None when the model has no entry or its entry no ``Results`` block to
    write into."""
    data = yaml.safe_load(text)
    entry = next((e for e in data.get('Models') or [] if e.get('Name') == model), None)
    if entry is None or not entry.get('Results'):
        return None
    result = entry['Results'][0]
    result.setdefault('Metrics', {})['Top 1 Accuracy'] = round(float(top1), 2)
    result['Notes'] = note
    return dump_metafile(data)
