"""What a learned mixup's masks look like at the end of training, from its runs' logs.

AutoMix, SAMix and AdAutoMix log two statistics of the Mix Block branch's masks with
their losses (``mmautomix.core.mask_statistics``; AdAutoMix's K-source form
``source_mask_statistics``):

* ``mask_spatial_std``: the within-mask standard deviation of M_j across pixels, mean
  over samples (AdAutoMix: over samples and sources). 0 is a flat mask, a learned
  global mixup; a spatial mask has contrast.
* ``mask_lam_error``: |mean(M_j) − (1 − λ)|, mean over samples (AdAutoMix: |mean(M_s) −
  w_s| over sources): how far the share of each image in the mixed picture is from the
  label weight it gets.

AutoMix's and SAMix's Mix Block also log ``mask_attn_entropy``, the entropy of its
attention P over positions divided by that of uniform attention (1: P v is the same at
every position, so the mask cannot be spatial); older logs lack it.

A run's end-of-training value is the mean of its last ``LAST`` logged values; a
recipe's cell is the mean ± std of that over its seeds. Runs that logged neither (other
mixups, older logs) have none: the cell reads 'n/a', never 0.
"""
import statistics

KEYS = ('mask_spatial_std', 'mask_lam_error')
OPTIONAL = ('mask_attn_entropy', )
ALL = KEYS + OPTIONAL
LAST = 10


def record(rec):
    """The logged values of ``ALL`` in one log record (None for an optional key it
    lacks), or None when it holds no mask statistics."""
    if KEYS[0] not in rec:
        return None
    return [rec[k] for k in KEYS] + [rec.get(k) for k in OPTIONAL]


def end_of_training(mask_stats, last: int = LAST):
    """The means of one run's last ``last`` logged values, one per key of ``ALL`` (None
    for an optional statistic missing from any of them); ``mask_stats`` is the run's
    list of [step, spatial std, λ error(, attention entropy)]. None when empty."""
    if not mask_stats:
        return None
    tail = sorted(mask_stats, key=lambda rec: rec[0])[-last:]
    out = []
    for i in range(1, len(ALL) + 1):
        vals = [rec[i] if len(rec) > i else None for rec in tail]
        out.append(None if any(v is None for v in vals) else statistics.mean(vals))
    return tuple(out)


def recipe_cells(runs, last: int = LAST) -> dict:
    """Per statistic, (mean, std, number of seeds) over the runs that logged it, or None
    when none did."""
    ends = [e for e in (end_of_training(r.get('mask_stats'), last) for r in runs) if e]
    out = {}
    for i, key in enumerate(ALL):
        vals = [e[i] for e in ends if e[i] is not None]
        out[key] = (statistics.mean(vals), statistics.stdev(vals) if len(vals) > 1
                    else 0.0, len(vals)) if vals else None
    return out


def cell(value, n_runs=None) -> str:
    """'0.020 ± 0.007' ('… (2 of 3 seeds)' when fewer seeds logged it), or 'n/a'."""
    if value is None:
        return 'n/a'
    mean, std, n = value
    text = f'{mean:.3f} ± {std:.3f}' if n > 1 else f'{mean:.3f}'
    if n_runs is not None and n < n_runs:
        text += f' ({n} of {n_runs} seeds)'
    return text


#: below this within-mask spatial std a mask counts as flat (one value per image)
FLAT_BELOW = 0.05
#: up to this |mean(M_j) − (1 − λ)| the masks' shares follow λ
TRACKS_LAM_UP_TO = 0.1


def describe(spatial_std: float, lam_error: float) -> str:
    """One sentence on what a run's Mix Block masks are, from their end-of-training
    statistics (thresholds ``FLAT_BELOW`` and ``TRACKS_LAM_UP_TO``)."""
    shape = ('spatial: the Mix Block chooses where each image shows'
             if spatial_std >= FLAT_BELOW else
             'flat: one mixing weight per image, a learned global mixup rather than a '
             'spatial mask (what AutoMix\'s official recipe does on small images, '
             'docs/benchmarks/mask_learning.md)')
    share = ('their shares follow λ' if lam_error <= TRACKS_LAM_UP_TO else
             f'their shares are {lam_error:.2f} away from the 1 − λ the labels use')
    return (f'The masks are {shape} (spatial std {spatial_std:.3f}, threshold '
            f'{FLAT_BELOW}); {share} (|mean(M_j) − (1 − λ)| = {lam_error:.2f}).')
