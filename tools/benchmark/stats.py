"""The one verdict rule of every benchmark table: a paired difference with its 95 %
interval.

For each seed both methods ran (same seed: same subset, initial weights and data
order) d_s = A_s − B_s. Over n ≥ 2 seeds the interval is

    mean(d) ± t_{0.975, n−1} · sd(d) / √n

(Student's t on the per-seed differences, sd with n − 1 in the denominator). A is
"ahead" of B when the interval lies above 0, "behind" when it lies below, "level"
otherwise; one seed gives no interval and no verdict ("1 seed").
"""
import math
import statistics

LEVEL = 0.95


def t_two_sided_coverage(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's T with ``df`` (an integer ≥ 1) degrees of freedom,
    from the closed form for integer df: with θ = atan(t / √df) and c = cos θ,
    odd df: (2/π)(θ + sin θ · c · Σ_{i<(df−1)/2} a_i c^{2i}), a_0 = 1, a_i = a_{i−1}·2i/(2i+1);
    even df: sin θ · Σ_{i<df/2} b_i c^{2i}, b_0 = 1, b_i = b_{i−1}·(2i−1)/(2i)."""
    if not isinstance(df, int) or df < 1:
        raise ValueError(f'df={df!r}: expected an integer >= 1')
    theta = math.atan(abs(t) / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2:
        total, term = 0.0, 1.0
        for i in range((df - 1) // 2):
            if i:
                term *= 2 * i / (2 * i + 1) * c2
            total += term
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))
    total, term = 0.0, 1.0
    for i in range(df // 2):
        if i:
            term *= (2 * i - 1) / (2 * i) * c2
        total += term
    return s * total


def t_quantile(df: int, level: float = LEVEL) -> float:
    """t with P(|T| ≤ t) = ``level`` (the two-sided critical value), by bisection."""
    lo, hi = 0.0, 1.0
    while t_two_sided_coverage(hi, df) < level:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided_coverage(mid, df) < level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def paired_interval(diffs, level: float = LEVEL) -> dict:
    """The paired statement for per-seed differences A − B: ``n``, ``mean``, ``std``
    (None for one seed), the interval ``low``/``high`` (None for one seed) and the
    ``verdict`` on A: 'ahead', 'behind', 'level' or '1 seed'."""
    diffs = [float(d) for d in diffs]
    if not diffs:
        raise ValueError('paired_interval: no paired seed; expected at least one difference')
    n, mean = len(diffs), statistics.mean(diffs)
    if n == 1:
        return dict(n=1, mean=mean, std=None, low=None, high=None, verdict='1 seed')
    sd = statistics.stdev(diffs)
    half = t_quantile(n - 1, level) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    verdict = 'ahead' if low > 0 else 'behind' if high < 0 else 'level'
    return dict(n=n, mean=mean, std=sd, low=low, high=high, verdict=verdict)


def turned(p: dict, sign: int = 1):
    """(mean, low, high, verdict) of a :func:`paired_interval` of A − B as it reads for
    B − A when ``sign`` is −1 (the interval and the verdict turn round); low and high
    are None for one seed."""
    verdict = p['verdict']
    if sign < 0:
        verdict = {'ahead': 'behind', 'behind': 'ahead'}.get(verdict, verdict)
    if p['n'] == 1:
        return sign * p['mean'], None, None, verdict
    low, high = sorted((sign * p['low'], sign * p['high']))
    return sign * p['mean'], low, high, verdict


def interval_text(p: dict, sign: int = 1) -> str:
    """'+1.52 [+1.05, +1.99] (ahead)' for a :func:`paired_interval` of A − B, or of
    B − A with ``sign`` −1 (see :func:`turned`); '+0.40 (1 seed)'."""
    mean, low, high, verdict = turned(p, sign)
    if low is None:
        return f'{mean:+.2f} (1 seed)'
    return f'{mean:+.2f} [{low:+.2f}, {high:+.2f}] ({verdict})'
