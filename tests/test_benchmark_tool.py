"""tools/benchmark_step.py: the passes its floor is made of, and its report end to end;
tools/benchmark_configs.py: whole configs' steps as ratios to a reference config."""
import importlib.util
import os.path as osp
import re

import pytest
import torch

from conftest import REPO
from test_automix import build


def _tool(name='benchmark_step'):
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, 'tools', name + '.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def report_of(argv, capsys):
    """tools/benchmark_step.py's printed report, run in this process."""
    _tool().main(argv)
    return capsys.readouterr().out


def test_floor_passes_are_the_steps_passes():
    """C is θ_k's stage-``mask_layer`` feature without a graph, K reaches the input and
    no θ_k parameter, Q gives θ_q every gradient and leaves none behind."""
    model = build()
    model.train()
    x = torch.randn(4, 3, 16, 16)
    phases = _tool().phase_fns(model, x)
    z = phases['C']()
    assert z.shape == (4, 32, 4, 4) and not z.requires_grad
    assert torch.equal(phases['Ct'](), z) and not model.truncate_clean_pass
    gx = phases['K']()
    assert gx is not None and gx.shape == x.shape and gx.abs().sum() > 0
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is None for p in model.mix_block.parameters())
    grads = phases['Q']()
    assert all(g is not None for g in grads)
    assert all(p.grad is None for p in model.parameters())


def test_report_lists_every_mode_and_the_floor(capsys):
    out = report_of(['--arch', 'r18', '--batch', '4', '--steps', '1', '--warmup', '0',
                     '--breakdown', '--device', 'cpu'], capsys)
    rows, passes, rss = {}, {}, {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] in _tool().MODES:
            rows[cells[0]] = [float(c) for c in cells[1:4]]
            passes[cells[0]] = float(cells[-1])
            rss[cells[0]] = [float(c) for c in cells[-5:-1]]   # RSS: step, ratio, peak, ratio
    assert set(rows) == {'vanilla', 'mixup', 'automix', 'automix_trunc', 'automix_plain'}
    # each mode's memory from its own process: the peak holds the step's part, and each
    # ratio is to Mixup's (printed MB are rounded)
    for step_mb, step_x, peak_mb, peak_x in rss.values():
        assert 0 < step_mb <= peak_mb
        assert abs(peak_x - peak_mb / rss['mixup'][2]) < 0.01 + 1 / rss['mixup'][2]
    # θ_k's clean pass (whole or truncated), θ_k's mixed pass for the Mix Block, θ_q's
    # clean and mixed passes; Mixup and vanilla one
    assert passes['vanilla'] == passes['mixup'] == 1
    assert passes['automix'] == passes['automix_trunc'] == passes['automix_plain'] == 4
    assert rows['mixup'][2] == 1.0
    for step_s, img_s, ratio in rows.values():
        assert step_s > 0 and abs(img_s - 4 / step_s) < 0.1 * img_s
        # each ratio is its step time over Mixup's (printed times are rounded to ms)
        assert abs(ratio - step_s / rows['mixup'][0]) < 0.05 * ratio + 0.1
    # the floors are the formulas of the printed pass times (arithmetic, not timing)
    t = {m.group(1): float(m.group(2)) for m in
         re.finditer(r'^\s+(Ct|C|K|Q)\s.*?([0-9.]+) s\s', out, re.M)}
    assert set(t) == {'C', 'Ct', 'K', 'Q'}, out
    floor = re.search(r'\(C \+ K \+ 2Q\) / Q = ([0-9.]+)', out)
    trunc = re.search(r'\(Ct \+ K \+ 2Q\) / Q = ([0-9.]+)', out)
    assert floor and trunc, out
    for found, clean in ((floor, t['C']), (trunc, t['Ct'])):
        expected = (clean + t['K'] + 2 * t['Q']) / t['Q']
        assert abs(float(found.group(1)) - expected) < 0.01 * expected + 0.02, out


def test_family_modes_report_a_ratio_to_mixup(capsys):
    out = report_of(['--arch', 'r18', '--batch', '8', '--steps', '2', '--warmup', '1',
                     '--device', 'cpu', '--modes', 'family', '--no-memory'], capsys)
    family = _tool().FAMILY
    rows, passes = {}, {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] in family + ('mixup', ):
            rows[cells[0]] = [float(c) for c in cells[1:4]]
            passes[cells[0]] = float(cells[-1])
    assert set(rows) == set(family) | {'mixup'}
    for step_s, _, ratio in rows.values():
        assert step_s > 0 and abs(ratio - step_s / rows['mixup'][0]) < 0.05 * ratio + 0.1
    assert rows['mixup'][2] == 1.0
    # the structure of each cost, not a timing: PuzzleMix adds a saliency pass (a
    # forward and backward of θ) to Mixup's one; the others mix without the network
    assert passes == {m: 2 if m.startswith('puzzlemix') else 1 for m in family + ('mixup', )}


def test_speed_knobs_report_the_passes_they_save(capsys):
    out = report_of(['--arch', 'r18', '--batch', '4', '--steps', '8', '--warmup', '0',
                     '--device', 'cpu', '--modes', 'knobs', '--no-memory'], capsys)
    passes = {}
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] in _tool().KNOBS + ('automix', 'mixup'):
            passes[cells[0]] = float(cells[-1])
    # 4 a step in full; every 2nd step without θ_k's pass on x_mb; no θ_q clean pass;
    # switch_off 0.8 skips θ_k's pass on x_mb on about a fifth of the steps; the
    # truncated clean pass still starts a (shorter) backbone forward; -fast's knobs, over
    # a whole period of 8 steps: 1 (θ_k clean) + 1/8 (θ_k on x_mb) + 0.5 (θ_q clean on
    # half the batch) + 1 (θ_q on x_bb)
    assert passes['mixup'] == 1 and passes['automix'] == 4
    assert passes['automix_every2'] == 3.5 and passes['automix_oneq0'] == 3
    assert passes['automix_oneq0_trunc'] == 3
    # switch_off 0.8 drops θ_k's pass on x_mb on the steps its draw says (checked
    # against the draws in test_switch_off_passes_follow_the_official_draws)
    assert passes['automix_switch08'] in {4 - k / 8 for k in range(9)}
    assert passes['automix_fast'] == round(1 + 1 / 8 + 0.5 + 1, 2)


def test_config_step_costs_are_ratios_to_the_reference_config(tmp_path):
    """tools/benchmark_configs.py times each config's own model and optimizer: the
    reference's ratio is 1, each config's ratio is its step time over the reference's,
    and the passes are those of the recipe (AutoMix 4, its one_q=0 knob 3)."""
    fm = osp.join(REPO, 'configs/mixups/fashion_mnist/resnet18-w16_1xb100')
    am = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100')
    out = tmp_path / 'cost.json'
    assert _tool('benchmark_configs').main(
        [f'{fm}-mixup-4e_fmnist.py', f'{fm}-4e_fmnist.py', f'{am}-4e_fmnist.py',
         f'{am}-oneq0-100e_fmnist2k.py', '--batch', '4', '--steps', '2', '--warmup', '0',
         '--out', str(out)]) in (None, 0)
    import json
    res = json.loads(out.read_text())
    assert res['reference'] == 'resnet18-w16_1xb100-mixup-4e_fmnist'
    cost = res['configs']
    assert cost[res['reference']]['x_ref'] == 1.0
    passes = {n: c['passes'] for n, c in cost.items()}
    assert passes == {'resnet18-w16_1xb100-mixup-4e_fmnist': 1,
                      'resnet18-w16_1xb100-4e_fmnist': 1,
                      'automix_resnet18-w16_1xb100-4e_fmnist': 4,
                      'automix_resnet18-w16_1xb100-oneq0-100e_fmnist2k': 3}
    ref_s = cost[res['reference']]['step_s']
    for c in cost.values():
        assert c['batch'] == 4
        assert c['x_ref'] == pytest.approx(c['step_s'] / ref_s)
        assert c['range'][0] <= c['paired'] <= c['range'][1]


def test_a_config_step_includes_the_ema_update():
    """The timed step is the Runner's iteration: train_step, then θ_k's momentum update
    (AutoMixMomentumHook's work), once per step."""
    from mmautomix.utils import register_all_modules
    register_all_modules()
    t = _tool('benchmark_configs')
    path = osp.join(REPO, 'configs/automix/fashion_mnist/automix_resnet18-w16_1xb100-4e_fmnist.py')
    cfg, model, wrapper = t.build(path, 'cpu')
    data = t.make_batch(cfg, model, 4, 'cpu')
    assert tuple(data['inputs'].shape) == (4, 1, 28, 28)
    ema = [p.detach().clone() for p in model.backbone.parameters()]
    t.step(model, wrapper, data)
    t.step(model, wrapper, data)
    assert model.ema_steps == 2
    assert any(not torch.equal(p, e) for p, e in zip(model.backbone.parameters(), ema))


def test_a_recipe_with_a_period_is_timed_by_its_mean_over_whole_periods():
    """A Mix Block trained every 4th step makes one slow step in four: its cost is the
    period's mean (here (5 + 1 + 1 + 1) / 4 = 2), which the median of single steps (1)
    would miss; period 1 keeps the median and the per-round ratios. The period is read
    from the model: the Mix Block interval, AdAutoMix's adversarial interval, 1 else."""
    from benchmark.timing import period_statistics, step_period
    ref = [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]   # a slow spell in round 2
    every4 = [5.0, 1.0, 2.0, 1.0, 5.0, 1.0, 1.0, 1.0, 9.0]  # the 9th step is dropped
    step_s, paired, spread = period_statistics(every4, ref, 4)
    assert step_s == pytest.approx((2.25 + 2.0) / 2)
    assert spread == pytest.approx([2.25 / 1.25, 2.0])
    assert paired == pytest.approx((2.0 + 1.8) / 2)
    assert period_statistics(ref, ref, 1) == (1.0, 1.0, [1.0, 1.0])
    with pytest.raises(ValueError, match=r'--steps 3 is shorter than a period of 4'):
        period_statistics(every4[:3], ref[:3], 4)
    # the period rule (tools/benchmark/timing.py, both tools use it)
    assert step_period(build(mix_block_interval=4)) == 4
    assert step_period(build()) == 1
    assert step_period(torch.nn.Linear(2, 2)) == 1


def test_backbone_passes_count_each_pass_by_its_share_of_the_batch():
    """θ_q's clean pass on half the batch counts a half: with one_q_fraction=0.5 and the
    Mix Block on every 2nd step a step averages θ_k clean 1 + θ_k on x_mb 1/2 + θ_q clean
    1/2 + θ_q on x_bb 1 = 3 passes; the faithful step 4."""
    from mmengine.optim import OptimWrapper

    from test_automix import batch
    x, samples = batch(n=4)
    counts = []
    for kw in (dict(), dict(one_q_fraction=0.5, mix_block_interval=2)):
        model = build(**kw)
        model.train()
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
        counts.append(_tool().backbone_passes(model, wrapper,
                                              dict(inputs=x, data_samples=samples)))
    assert counts == [4.0, 3.0]


def test_switch_off_passes_follow_the_official_draws(monkeypatch):
    """``automix_switch08``'s passes are 4 minus the share of steps whose draw switched
    the Mix Block's θ_k pass off (the draws recorded as the step makes them), and that
    draw switches off with probability 1 − s = 0.2."""
    import numpy as np

    from mmautomix.core import MixBlockUpdates
    tool = _tool()
    from mmautomix.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    model, wrapper = tool.build('automix_switch08', 'r18', 'cpu', False, None)
    data = tool.make_batch('r18', 4, 'cpu', False)
    updates, draws = model.options.updates, []
    real = updates.switched_off
    monkeypatch.setattr(updates, 'switched_off', lambda: draws.append(real()) or draws[-1])
    for seed in range(2):   # two seeds: at least one of them switches off a step
        np.random.seed(seed)
        start = len(draws)
        passes = tool.backbone_passes(model, wrapper, data, steps=4)
        assert len(draws) - start == 4
        assert passes == round(4 - sum(draws[start:]) / 4, 2)
    assert any(draws) and not all(draws)
    np.random.seed(0)
    rule = MixBlockUpdates(switch_off=0.8)
    share = sum(rule.switched_off() for _ in range(20000)) / 20000
    assert abs(share - 0.2) < 0.01     # 3.5 standard deviations of the binomial share
