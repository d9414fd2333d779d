"""The table's pictures: bars, curves, cost and the masks over training."""
import statistics

from .table import short_names


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
