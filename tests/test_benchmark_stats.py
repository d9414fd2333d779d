"""tools/benchmark: the one verdict rule (a paired difference's 95 % interval) against
hand computations, and the mask columns from both log formats."""
import json
import math
import re

import pytest
from benchmark import masks
from benchmark.stats import interval_text, paired_interval, t_quantile, t_two_sided_coverage


def _t_density(x, df):
    return (math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
            * (1 + x * x / df) ** (-(df + 1) / 2))


@pytest.mark.parametrize('df', [1, 2, 3, 4, 7, 12])
def test_t_coverage_equals_the_integral_of_the_density(df):
    """The closed form against a Simpson integral of Student's density."""
    for t in (0.3, 1.0, 2.5, 6.0):
        steps = 4000
        h = t / steps
        simpson = _t_density(0, df) + _t_density(t, df) + sum(
            (4 if i % 2 else 2) * _t_density(i * h, df) for i in range(1, steps))
        assert t_two_sided_coverage(t, df) == pytest.approx(2 * simpson * h / 3, abs=1e-9)


def test_t_quantiles_match_the_printed_table():
    printed = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 10: 2.228, 30: 2.042}
    for df, value in printed.items():
        assert t_quantile(df) == pytest.approx(value, abs=5e-4)
    with pytest.raises(ValueError, match='df=0'):
        t_two_sided_coverage(1.0, 0)


def test_paired_interval_by_hand():
    # n = 2: 1.5 ± 12.706 × 0.7071 / √2 = ± 6.353: level
    p = paired_interval([1.0, 2.0])
    assert p['n'] == 2 and p['mean'] == 1.5 and p['verdict'] == 'level'
    assert (p['low'], p['high']) == pytest.approx((1.5 - 6.3531, 1.5 + 6.3531), abs=1e-4)
    # n = 5: 3 ± 2.7764 × 1.5811 / √5 = ± 1.9632: ahead
    p = paired_interval([1, 2, 3, 4, 5])
    assert (p['low'], p['high']) == pytest.approx((1.0368, 4.9632), abs=1e-4)
    assert p['verdict'] == 'ahead' and p['std'] == pytest.approx(1.5811, abs=1e-4)
    # the regime's Mixup − vanilla of the 3-seed table: +0.82, paired std 0.36 on 3
    # seeds reads [-0.07, +1.71]: level, although the mean is beyond twice the std
    d = [0.82 - 0.36, 0.82, 0.82 + 0.36]      # mean 0.82, std 0.36
    p = paired_interval(d)
    assert (p['low'], p['high']) == pytest.approx((-0.074, 1.714), abs=1e-3)
    assert p['verdict'] == 'level'
    # behind: the interval below 0; the text turns round with the sign
    p = paired_interval([-1.0, -1.2, -0.9, -1.1])
    assert p['verdict'] == 'behind'
    assert interval_text(p) == '-1.05 [-1.26, -0.84] (behind)'
    assert interval_text(p, -1) == '+1.05 [+0.84, +1.26] (ahead)'
    # one seed: no interval, no verdict
    p = paired_interval([0.4])
    assert p['verdict'] == '1 seed' and p['low'] is None
    assert interval_text(p, -1) == '-0.40 (1 seed)'
    with pytest.raises(ValueError, match='no paired seed'):
        paired_interval([])


def test_mask_cells_are_the_mean_of_the_last_values_and_n_a_without_them():
    # 20 logged values: the last 10 of spatial std are 0.10 … 0.19 (mean 0.145)
    run_a = dict(mask_stats=[[s, 0.01 * s, 0.5 - 0.01 * s] for s in range(20)])
    run_b = dict(mask_stats=[[s, 0.2, 0.111] for s in range(20)])
    assert masks.end_of_training(run_a['mask_stats'])[:2] == pytest.approx((0.145, 0.355))
    assert masks.end_of_training(run_a['mask_stats'])[2] is None     # no entropy logged
    # the attention entropy where the last values have it
    run_c = dict(mask_stats=[[s, 0.1, 0.1, 0.9 - 0.01 * s] for s in range(20)])
    assert masks.end_of_training(run_c['mask_stats'])[2] == pytest.approx(0.755)
    cells = masks.recipe_cells([run_a, run_b, dict(mask_stats=None)])
    mean, std, n = cells['mask_spatial_std']
    assert n == 2 and mean == pytest.approx((0.145 + 0.2) / 2)
    assert std == pytest.approx(math.sqrt(2) * (0.2 - 0.145) / 2)
    # λ errors 0.355 and 0.111: mean 0.233, std 0.244 / √2 = 0.1725
    assert masks.cell(cells['mask_lam_error'], 3) == '0.233 ± 0.173 (2 of 3 seeds)'
    assert cells['mask_attn_entropy'] is None
    assert masks.recipe_cells([dict(), dict(mask_stats=[])]) == {
        'mask_spatial_std': None, 'mask_lam_error': None, 'mask_attn_entropy': None}
    assert masks.cell(None) == 'n/a'


def test_mask_columns_from_both_log_formats(tmp_path):
    """An mmengine work dir and an OpenMixup JSON-lines log that logged the mask
    statistics give the same cells; a run that logged none reads n/a, never 0."""
    from test_benchmark_table import AUTOMIX_CFG, fake_mmengine_run, openmixup_log, tool
    t = tool()
    root = str(tmp_path / 'mm')
    fake_mmengine_run(root, 'automix', 0, [80.0, 81.0], online=[70.0, 71.0],
                      times=[0.5] * 12)          # logs spatial std 0.01·i, error 0.2 − 0.01·i
    fake_mmengine_run(root, 'mixup', 0, [80.0, 80.5])
    path = str(tmp_path / 'om' / 'automix.log.json')
    openmixup_log(path, AUTOMIX_CFG.format(seed=0), 0, [80.0, 81.0, 81.5],
                  val_key='acc_one_k_top1', online=[70.0, 71.0, 71.5])   # max_epochs 3
    lines = [json.loads(x) for x in open(path)]
    with open(path, 'w') as f:       # the same 12 values in the train records
        f.write(json.dumps(lines[0]) + '\n')
        for i in range(12):
            f.write(json.dumps(dict(mode='train', epoch=1, iter=10 * (i + 1), lr=0.1,
                                    loss=1.0, time=0.1, mask_spatial_std=0.01 * i,
                                    mask_lam_error=0.2 - 0.01 * i)) + '\n')
        for rec in lines[1:]:
            if rec['mode'] == 'val':
                f.write(json.dumps(rec) + '\n')
    rows = {r['method']: r for r in t.summarise(t.find_runs([root, path]), last=1)}
    # last 10 of 0.00 … 0.11: 0.02 … 0.11, mean 0.065; errors 0.18 … 0.09, mean 0.135
    for name in ('automix', 'AutoMix'):
        assert rows[name]['masks']['mask_spatial_std'] == pytest.approx((0.065, 0.0, 1))
        assert rows[name]['masks']['mask_lam_error'] == pytest.approx((0.135, 0.0, 1))
    assert rows['mixup']['masks']['mask_spatial_std'] is None
    text = t.markdown(list(rows.values()), 1, 'T')
    mixup = next(line for line in text.splitlines() if line.startswith('| mixup'))
    assert '| n/a | n/a |' in mixup and '| 0.065 | 0.135 |' in text
    # every row of the markdown table has the header's number of cells (a '|' inside a
    # header, as in |mean(M_j) − (1 − λ)|, is escaped)
    table = [line for line in text.splitlines() if line.startswith('|')]
    cells = [len(re.split(r'(?<!\\)\|', line)) for line in table]
    assert len(table) >= 4 and len(set(cells)) == 1, cells


def test_the_masks_sentence_says_flat_or_spatial_and_whether_they_follow_lambda():
    flat = masks.describe(0.015, 0.219)
    assert flat.startswith('The masks are flat: one mixing weight per image')
    assert '0.22 away from the 1 − λ' in flat and 'spatial std 0.015' in flat
    spatial = masks.describe(0.075, 0.05)
    assert spatial.startswith('The masks are spatial') and 'their shares follow λ' in spatial
    assert masks.describe(masks.FLAT_BELOW, 0.0).startswith('The masks are spatial')
